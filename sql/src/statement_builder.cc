#include "galaxis/sql/statement_builder.h"

#include "galaxis/common/error.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/literal.h"
#include "system_versioning.h"

namespace galaxis::sql {
namespace {

// Position in the image of target column `column`, or npos.
size_t image_position(const std::vector<size_t>& map, size_t column) {
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i] == column) return i;
  }
  return std::string::npos;
}

// ENUM error values ('' = index 0) among the written values of an image.
uint32_t enum_error_values(const binlog::RowImage& image, const std::vector<size_t>& positions) {
  uint32_t n = 0;
  for (size_t pos : positions) {
    if (const auto* e = std::get_if<binlog::Enum>(&image[pos]); e != nullptr && e->index == 0) ++n;
  }
  return n;
}

void check_image(const binlog::RowImage& image, const std::vector<size_t>& map, const TableSchema& schema,
                 const char* which) {
  if (image.size() != map.size()) {
    throw_error(Error::Kind::kCorrupt, "row event for {}: {} image has {} values but its bitmap marks {} columns",
                qualified_name(schema.database, schema.table), which, image.size(), map.size());
  }
}

// "`k1`=v1 AND `k2`=v2" from the before image; false when a key column is missing.
bool append_key_condition(std::string* out, const TableSchema& schema, const binlog::RowImage& before,
                          const std::vector<size_t>& map) {
  std::string condition;
  for (size_t n = 0; n < schema.key_columns.size(); ++n) {
    size_t column = schema.key_columns[n];
    // A versioned table's key holds ROW END; DML sees only current rows, whose
    // ROW END is the target's own MAX (it differs between server versions).
    if (schema.columns[column].role == ColumnRole::kRowEnd) continue;
    size_t pos = image_position(map, column);
    if (pos == std::string::npos || binlog::is_null(before[pos])) return false;
    if (!condition.empty()) condition += " AND ";
    condition += quote_identifier(schema.columns[column].name);
    condition += '=';
    append_literal(&condition, before[pos], schema.columns[column]);
  }
  out->append(condition);
  return true;
}

bool has_key_values(const TableSchema& schema, const binlog::RowImage& before, const std::vector<size_t>& map) {
  if (schema.key_kind == KeyKind::kNone || schema.key_columns.empty()) return false;
  for (size_t column : schema.key_columns) {
    size_t pos = image_position(map, column);
    if (pos == std::string::npos || binlog::is_null(before[pos])) return false;
  }
  return true;
}

// Full before-image match for tables without a usable key.
void append_image_condition(std::string* out, const TableSchema& schema, const binlog::RowImage& before,
                            const std::vector<size_t>& map) {
  bool first = true;
  for (size_t pos = 0; pos < map.size(); ++pos) {
    const ColumnSchema& column = schema.columns[map[pos]];
    if (column.generated) continue;
    if (!first) out->append(" AND ");
    first = false;
    if (column.data_type == "vector") {  // MySQL cannot compare a VECTOR with a binary string
      out->append("CAST(" + quote_identifier(column.name) + " AS BINARY)");
    } else {
      out->append(quote_identifier(column.name));
    }
    out->append("<=>");
    const auto* text = std::get_if<binlog::Text>(&before[pos]);
    if (column.is_character() && text != nullptr) {
      // _bin collations are PAD SPACE: 'a' would also match 'a ' (another
      // row of a keyless table); the byte length makes the match exact. The
      // collation is the literal's (utf8mb3/ucs2 text is written as utf8mb4).
      const std::string_view literal_charset = append_text_literal(out, column.charset, text->bytes);
      out->append(" COLLATE ");
      out->append(literal_charset);
      out->append("_bin AND OCTET_LENGTH(");
      out->append(quote_identifier(column.name));
      out->append(")=");
      out->append(std::to_string(text->bytes.size()));
    } else {
      append_literal(out, before[pos], column);
    }
  }
  if (first) out->append("1");
}

}  // namespace

void StatementBatch::start_statement() {
  close_open();
  if (!sql_.empty()) sql_.push_back(';');
  starts_.push_back(sql_.size());
  origins_.push_back(origin_);
}

void StatementBatch::add_statement(std::string_view sql, int64_t expected_rows) {
  start_statement();
  sql_.append(sql);
  expected_.push_back(expected_rows);
}

void StatementBatch::close_open() {
  if (open_ == Open::kNone) return;
  if (open_ == Open::kDeleteSingle || open_ == Open::kDeleteTuple) sql_.push_back(')');
  expected_.back() = open_rows_;
  open_ = Open::kNone;
  open_table_ = nullptr;
  open_signature_.clear();
  open_rows_ = 0;
}

bool StatementBatch::can_extend(Open kind, const TableSchema& schema, const std::vector<size_t>& signature) const {
  return open_ == kind && open_table_ != nullptr && open_table_->database == schema.database &&
         open_table_->table == schema.table && open_signature_ == signature &&
         sql_.size() - starts_.back() < max_statement_bytes_;
}

void StatementBatch::begin_open(Open kind, const TableSchema& schema, std::vector<size_t> signature, std::string head) {
  start_statement();
  sql_.append(head);
  expected_.push_back(0);
  open_ = kind;
  open_table_ = &schema;
  open_signature_ = std::move(signature);
  open_rows_ = 0;
}

size_t StatementBatch::add_rows(const binlog::RowsEvent& event, const TableSchema& schema) {
  const ColumnMap map = map_columns(event, schema);
  const std::string table = qualified_name(schema.database, schema.table);
  if (event.kind == binlog::RowsKind::kDelete && schema.versioning != Versioning::kNone) {
    return add_history_deletes(event, map, schema);
  }
  size_t added = 0;
  for (const binlog::RowChange& change : event.rows) {
    switch (event.kind) {
      case binlog::RowsKind::kWrite: {
        check_image(change.after, map.after, schema, "after");
        if (schema.versioning != Versioning::kNone && skip_history_row(change.after, map.after, schema)) break;
        // Timestamp periods are written (system_versioning_insert_history).
        const bool periods = schema.versioning == Versioning::kTimestamp;
        std::vector<size_t> signature;
        for (size_t pos = 0; pos < map.after.size(); ++pos) {
          const ColumnSchema& column = schema.columns[map.after[pos]];
          if (!column.generated ||
              (periods && (column.role == ColumnRole::kRowStart || column.role == ColumnRole::kRowEnd))) {
            signature.push_back(pos);
          }
        }
        if (!can_extend(Open::kInsert, schema, signature)) {
          std::string head = periods
                                 ? "SET STATEMENT system_versioning_insert_history=1 FOR INSERT INTO " + table + " ("
                                 : "INSERT INTO " + table + " (";
          for (size_t n = 0; n < signature.size(); ++n) {
            if (n > 0) head.push_back(',');
            head += quote_identifier(schema.columns[map.after[signature[n]]].name);
          }
          head += ") VALUES ";
          begin_open(Open::kInsert, schema, signature, std::move(head));
        } else {
          sql_.push_back(',');
        }
        sql_.push_back('(');
        for (size_t n = 0; n < signature.size(); ++n) {
          if (n > 0) sql_.push_back(',');
          size_t pos = signature[n];
          if (map.after[pos] == schema.row_end && versioning::is_current(change.after[pos])) {
            sql_.append("DEFAULT");  // the target's own MAX
            continue;
          }
          append_literal(&sql_, change.after[pos], schema.columns[map.after[pos]]);
        }
        sql_.push_back(')');
        ++open_rows_;
        origins_.back().expected_warnings += enum_error_values(change.after, signature);
        break;
      }
      case binlog::RowsKind::kDelete: {
        check_image(change.before, map.before, schema, "before");
        if (has_key_values(schema, change.before, map.before)) {
          bool single = schema.key_columns.size() == 1;
          Open kind = single ? Open::kDeleteSingle : Open::kDeleteTuple;
          std::vector<size_t> signature = schema.key_columns;
          if (!can_extend(kind, schema, signature)) {
            std::string head = "DELETE FROM " + table + " WHERE ";
            if (single) {
              head += quote_identifier(schema.columns[schema.key_columns[0]].name);
            } else {
              head.push_back('(');
              for (size_t n = 0; n < schema.key_columns.size(); ++n) {
                if (n > 0) head.push_back(',');
                head += quote_identifier(schema.columns[schema.key_columns[n]].name);
              }
              head.push_back(')');
            }
            head += " IN (";
            begin_open(kind, schema, signature, std::move(head));
          } else {
            sql_.push_back(',');
          }
          if (!single) sql_.push_back('(');
          for (size_t n = 0; n < schema.key_columns.size(); ++n) {
            if (n > 0) sql_.push_back(',');
            size_t column = schema.key_columns[n];
            append_literal(&sql_, change.before[image_position(map.before, column)], schema.columns[column]);
          }
          if (!single) sql_.push_back(')');
          ++open_rows_;
        } else {
          std::string statement = "DELETE FROM " + table + " WHERE ";
          append_image_condition(&statement, schema, change.before, map.before);
          statement += " LIMIT 1";
          add_statement(statement, 1);
        }
        break;
      }
      case binlog::RowsKind::kUpdate:
      case binlog::RowsKind::kPartialUpdate: {
        check_image(change.before, map.before, schema, "before");
        check_image(change.after, map.after, schema, "after");
        std::string prefix;            // SET STATEMENT timestamp=... FOR
        std::string expected_history;  // the history row the target writes
        if (schema.versioning != Versioning::kNone) {
          if (versioned_update(change, map, schema, &prefix, &expected_history)) break;
        }
        std::string assignments;
        std::vector<size_t> assigned;  // after-image positions written
        for (size_t pos = 0; pos < map.after.size(); ++pos) {
          size_t column = map.after[pos];
          const ColumnSchema& info = schema.columns[column];
          if (info.generated) continue;
          const binlog::Value& value = change.after[pos];
          size_t before_pos = image_position(map.before, column);
          if (before_pos != std::string::npos && change.before[before_pos] == value) continue;
          if (!assignments.empty()) assignments.push_back(',');
          assigned.push_back(pos);
          std::string name = quote_identifier(info.name);
          assignments += name;
          assignments.push_back('=');
          if (const auto* diff = std::get_if<binlog::JsonDiff>(&value)) {
            assignments += json_diff_expression(*diff, name);
          } else {
            append_literal(&assignments, value, info);
          }
        }
        if (assignments.empty()) break;  // nothing changes (e.g. only generated columns differ)
        if (!expected_history.empty()) versioning::expect_history(&expected_history_, std::move(expected_history));
        // An ON UPDATE CURRENT_TIMESTAMP column not assigned would take the
        // target's clock: set it to the binlog's value even when unchanged.
        for (size_t pos = 0; pos < map.after.size(); ++pos) {
          const ColumnSchema& info = schema.columns[map.after[pos]];
          if (!info.on_update || info.generated) continue;
          size_t before_pos = image_position(map.before, map.after[pos]);
          if (before_pos == std::string::npos || change.before[before_pos] != change.after[pos]) continue;
          assignments.push_back(',');
          assignments += quote_identifier(info.name);
          assignments.push_back('=');
          append_literal(&assignments, change.after[pos], info);
        }
        std::string statement = prefix + "UPDATE " + table + " SET " + assignments + " WHERE ";
        if (has_key_values(schema, change.before, map.before)) {
          append_key_condition(&statement, schema, change.before, map.before);
        } else {
          append_image_condition(&statement, schema, change.before, map.before);
          statement += " LIMIT 1";
        }
        add_statement(statement, 1);
        origins_.back().expected_warnings += enum_error_values(change.after, assigned);
        break;
      }
    }
    ++added;
  }
  return added;
}

size_t StatementBatch::add_history_deletes(const binlog::RowsEvent& event, const ColumnMap& map,
                                           const TableSchema& schema) {
  const std::string table = qualified_name(schema.database, schema.table);
  const binlog::Timestamp* last = nullptr;  // the latest ROW END of the event's rows
  for (const binlog::RowChange& change : event.rows) {
    check_image(change.before, map.before, schema, "before");
    const binlog::Value* end = versioning::value_at(change.before, map.before, schema.row_end);
    const auto* ts = end != nullptr ? std::get_if<binlog::Timestamp>(end) : nullptr;
    if (ts == nullptr || versioning::is_current(*end)) {
      throw_error(Error::Kind::kUnsupported,
                  "row event for system-versioned table {} deletes {} (only DELETE HISTORY removes rows of a "
                  "versioned table, and only history rows): the passive cannot do the same",
                  table, ts == nullptr ? "rows without a TIMESTAMP ROW END" : "a current row");
    }
    if (last == nullptr || ts->seconds > last->seconds || (ts->seconds == last->seconds && ts->micros > last->micros)) {
      last = ts;
    }
  }
  if (last == nullptr) return 0;
  // DELETE HISTORY has no WHERE, but BEFORE SYSTEM_TIME X removes exactly the
  // history rows ending before X. The master's statement removed every
  // history row ending before its own X; this event's rows are some of them,
  // so "ending at or before the latest of them" is a subset of the master's,
  // and together the statement's events remove all of it. The rows of a later
  // event may be gone already: the count is not checked.
  uint32_t seconds = last->seconds, micros = last->micros + 1;
  if (micros == 1000000) {
    ++seconds;
    micros = 0;
  }
  add_statement("DELETE HISTORY FROM " + table + " BEFORE SYSTEM_TIME TIMESTAMP'" +
                format_utc_timestamp(seconds, micros, 6) + "'");
  return event.rows.size();
}

bool StatementBatch::skip_history_row(const binlog::RowImage& after, const std::vector<size_t>& map,
                                      const TableSchema& schema) {
  const binlog::Value* end = versioning::value_at(after, map, schema.row_end);
  if (end == nullptr || versioning::value_at(after, map, schema.row_start) == nullptr) {
    throw_error(Error::Kind::kUnsupported,
                "row event for system-versioned table {} lacks its period columns (row_start/row_end), which the "
                "passive needs to keep the master's history (binlog_row_image FULL or MINIMAL on the master)",
                qualified_name(schema.database, schema.table));
  }
  if (versioning::is_current(*end)) return false;
  // Transaction ids are the target's own: its versioning wrote this history row.
  if (schema.versioning == Versioning::kTransactionId) return true;
  return versioning::take_history(&expected_history_, versioning::fingerprint(schema, after, map, nullptr));
}

bool StatementBatch::versioned_update(const binlog::RowChange& change, const ColumnMap& map, const TableSchema& schema,
                                      std::string* prefix, std::string* expected_history) {
  const std::string table = qualified_name(schema.database, schema.table);
  const binlog::Value* start_before = versioning::value_at(change.before, map.before, schema.row_start);
  const binlog::Value* start_after = versioning::value_at(change.after, map.after, schema.row_start);
  const binlog::Value* end_before = versioning::value_at(change.before, map.before, schema.row_end);
  const binlog::Value* end_after = versioning::value_at(change.after, map.after, schema.row_end);
  // MINIMAL images: the before image holds the key (with ROW END), the
  // after image every column; start_before is then unknown.
  if (start_after == nullptr || end_before == nullptr || end_after == nullptr) {
    throw_error(Error::Kind::kUnsupported,
                "row event for system-versioned table {} lacks its period columns (row_start/row_end), which the "
                "passive needs to keep the master's history (binlog_row_image FULL or MINIMAL on the master)",
                table);
  }
  if (!versioning::is_current(*end_before)) {
    throw_error(Error::Kind::kUnsupported,
                "row event for system-versioned table {} changes a history row, which the passive cannot do", table);
  }
  const bool timestamps = schema.versioning == Versioning::kTimestamp;
  if (!versioning::is_current(*end_after)) {
    // A DELETE on the master: the target ends the row itself at the master's time.
    std::string statement;
    if (timestamps)
      statement = "SET STATEMENT timestamp=" + versioning::timestamp_seconds(*end_after, schema) + " FOR ";
    statement += "DELETE FROM " + table + " WHERE ";
    if (has_key_values(schema, change.before, map.before)) {
      append_key_condition(&statement, schema, change.before, map.before);
    } else {
      append_image_condition(&statement, schema, change.before, map.before);
      statement += " LIMIT 1";
    }
    add_statement(statement, 1);
    return true;
  }
  if (timestamps && (start_before == nullptr || !(*start_after == *start_before))) {
    // The target versions the row at the master's statement time and writes
    // the history row the master logs next; that one is skipped.
    *prefix = "SET STATEMENT timestamp=" + versioning::timestamp_seconds(*start_after, schema) + " FOR ";
    *expected_history = versioning::fingerprint(schema, change.before, map.before, start_after);
  }
  return false;
}

const std::string& StatementBatch::sql() {
  close_open();
  return sql_;
}

std::string StatementBatch::statement_text(size_t index) const {
  if (index >= starts_.size()) return {};
  size_t end = index + 1 < starts_.size() ? starts_[index + 1] - 1 : sql_.size();
  return truncate_statement(std::string_view(sql_).substr(starts_[index], end - starts_[index]));
}

void StatementBatch::clear() {
  sql_.clear();
  expected_.clear();
  starts_.clear();
  origins_.clear();
  open_ = Open::kNone;
  open_table_ = nullptr;
  open_signature_.clear();
  open_rows_ = 0;
}

StatementBatch::Mark StatementBatch::mark() const {
  return Mark{sql_.size(), expected_.size(), open_, open_table_, open_signature_, open_rows_};
}

void StatementBatch::rollback_to(const Mark& mark) {
  sql_.resize(std::min(mark.bytes, sql_.size()));
  expected_.resize(std::min(mark.statements, expected_.size()));
  starts_.resize(std::min(mark.statements, starts_.size()));
  origins_.resize(std::min(mark.statements, origins_.size()));
  open_ = mark.open;
  open_table_ = mark.open_table;
  open_signature_ = mark.open_signature;
  open_rows_ = mark.open_rows;
}

void StatementBatch::insert_at(const Mark& mark, std::string_view sql) {
  close_open();
  if (mark.open != Open::kNone || mark.bytes > sql_.size() || mark.statements > starts_.size()) {
    throw_error(Error::Kind::kRuntime, "internal: statement batch mark is not a statement boundary");
  }
  if (mark.statements == starts_.size()) {
    add_statement(sql);
    return;
  }
  std::string text(sql);
  size_t start = mark.bytes;
  if (mark.bytes == 0) {
    text.push_back(';');
  } else {
    text.insert(text.begin(), ';');
    ++start;
  }
  sql_.insert(mark.bytes, text);
  for (size_t i = mark.statements; i < starts_.size(); ++i) starts_[i] += text.size();
  starts_.insert(starts_.begin() + static_cast<std::ptrdiff_t>(mark.statements), start);
  origins_.insert(origins_.begin() + static_cast<std::ptrdiff_t>(mark.statements), Origin{});
  expected_.insert(expected_.begin() + static_cast<std::ptrdiff_t>(mark.statements), -1);
}

StatementBatch::Mark StatementBatch::insert_batch_at(const Mark& mark, StatementBatch& other) {
  other.close_open();
  Mark at = mark;
  for (size_t i = 0; i < other.starts_.size(); ++i) {
    size_t end = i + 1 < other.starts_.size() ? other.starts_[i + 1] - 1 : other.sql_.size();
    std::string_view text(other.sql_.data() + other.starts_[i], end - other.starts_[i]);
    bool appending = at.statements == starts_.size();
    insert_at(at, text);
    expected_[at.statements] = other.expected_[i];
    origins_[at.statements] = other.origin(i);
    Mark next;
    next.statements = at.statements + 1;
    next.bytes = appending ? sql_.size() : (at.bytes == 0 ? text.size() : at.bytes + 1 + text.size());
    at = next;
  }
  return at;
}

}  // namespace galaxis::sql
