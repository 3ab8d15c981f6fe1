#include "galaxis/sql/net_changes.h"

#include "galaxis/sql/connection.h"
#include "galaxis/sql/literal.h"

namespace galaxis::sql {
namespace {

size_t position_of(const std::vector<size_t>& map, size_t column) {
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i] == column) return i;
  }
  return std::string::npos;
}

// The key literal: "5" or "(5,'2024-01-01')".
bool key_literal(const TableSchema& schema, const binlog::RowImage& image, const std::vector<size_t>& map,
                 std::string* out) {
  out->clear();
  bool tuple = schema.key_columns.size() > 1;
  if (tuple) out->push_back('(');
  for (size_t n = 0; n < schema.key_columns.size(); ++n) {
    size_t column = schema.key_columns[n];
    size_t pos = position_of(map, column);
    if (pos == std::string::npos || pos >= image.size() || binlog::is_null(image[pos])) return false;
    if (n > 0) out->push_back(',');
    append_literal(out, image[pos], schema.columns[column]);
  }
  if (tuple) out->push_back(')');
  return true;
}

}  // namespace

bool NetChanges::eligible(const TableSchema& schema) {
  if (schema.key_kind != KeyKind::kPrimary || schema.key_columns.empty() || schema.has_foreign_keys ||
      !schema.unguarded_triggers.empty() || schema.versioning != Versioning::kNone) {
    return false;  // (versioned: a DELETE + INSERT fold would write history rows)
  }
  for (size_t column : schema.key_columns) {
    if (schema.columns[column].is_character() || schema.columns[column].generated) return false;
  }
  return true;
}

const NetChanges::Layout& NetChanges::layout(const binlog::RowsEvent& event, const TableSchema& schema) {
  for (const Layout& l : layouts_) {
    if (l.table == event.table && l.schema == &schema && l.before_bits == event.columns_before &&
        l.after_bits == event.columns_after) {
      return l;
    }
  }
  constexpr size_t kMaxLayouts = 64;
  if (layouts_.size() >= kMaxLayouts) layouts_.clear();
  Layout l;
  l.map = map_columns(event, schema);  // throws on a mismatch: nothing cached
  l.table = event.table;
  l.schema = &schema;
  l.before_bits = event.columns_before;
  l.after_bits = event.columns_after;
  l.qualified = qualified_name(schema.database, schema.table);
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    if (schema.columns[column].generated) continue;
    size_t pos = position_of(l.map.after, column);
    if (pos == std::string::npos) {
      l.full = false;
      l.written.clear();
      break;
    }
    l.written.push_back(pos);
  }
  layouts_.push_back(std::move(l));
  return layouts_.back();
}

bool NetChanges::add(const binlog::RowsEvent& event, const TableSchema& schema) {
  const Layout& columns = layout(event, schema);
  const ColumnMap& map = columns.map;
  const bool writes = event.kind != binlog::RowsKind::kDelete;
  const bool removes = event.kind != binlog::RowsKind::kWrite;
  if (event.kind == binlog::RowsKind::kPartialUpdate) return false;
  if (writes && !columns.full) return false;  // not a full image
  const std::vector<size_t>& written = columns.written;
  const std::string& table = columns.qualified;
  auto head_it = heads_.find(table);
  if (head_it == heads_.end()) {
    std::string key_sql;
    if (schema.key_columns.size() == 1) {
      key_sql = quote_identifier(schema.columns[schema.key_columns[0]].name);
    } else {
      key_sql = "(";
      for (size_t n = 0; n < schema.key_columns.size(); ++n) {
        if (n > 0) key_sql.push_back(',');
        key_sql += quote_identifier(schema.columns[schema.key_columns[n]].name);
      }
      key_sql += ")";
    }
    std::string head = "INSERT INTO " + table + " (";
    bool first = true;
    for (const ColumnSchema& column : schema.columns) {
      if (column.generated) continue;
      if (!first) head.push_back(',');
      first = false;
      head += quote_identifier(column.name);
    }
    head += ") VALUES ";
    // The PRIMARY KEY as the only unique key, and a plain one: MariaDB
    // refuses ON DUPLICATE KEY UPDATE on a PRIMARY KEY (…, p WITHOUT
    // OVERLAPS) (1235), which schema_cache.h marks opaque.
    const bool upsert = schema.unique_keys.size() == 1 && schema.unique_keys[0].name == "PRIMARY" &&
                        !schema.unique_keys[0].opaque && schema.unique_keys[0].prefix_lengths.empty();
    Head parts{std::move(key_sql), std::move(head), upsert, {}, bulk_allowed_, {}};
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      if (schema.columns[column].generated) continue;
      parts.written.push_back(schema.columns[column]);
      parts.bulk = parts.bulk && bulk_bindable(schema.columns[column]);
      bool key = false;
      for (size_t k : schema.key_columns) key = key || k == column;
      if (!key) parts.set_columns.push_back(quote_identifier(schema.columns[column].name));
    }
    if (parts.set_columns.empty()) {  // a key-only table: a duplicate is already the final row
      parts.set_columns.push_back(quote_identifier(schema.columns[schema.key_columns[0]].name));
    }
    head_it = heads_.emplace(table, std::move(parts)).first;
  }
  const bool bulk = head_it->second.bulk;
  std::vector<Op> ops;
  ops.reserve(event.rows.size());
  for (const binlog::RowChange& change : event.rows) {
    Op op;
    op.table = &head_it->first;
    if (removes && !key_literal(schema, change.before, map.before, &op.before_key)) return false;
    if (writes) {
      if (change.after.size() != map.after.size()) return false;
      if (!key_literal(schema, change.after, map.after, &op.after_key)) return false;
      if (bulk) {
        for (size_t n = 0; n < written.size(); ++n) {
          if (!encode_bulk_value(&op.row, change.after[written[n]], schema.columns[map.after[written[n]]])) {
            return false;
          }
        }
        ops.push_back(std::move(op));
        continue;
      }
      op.row.push_back('(');
      for (size_t n = 0; n < written.size(); ++n) {
        // An ENUM error value '' makes the INSERT warn by design: written
        // unfolded, where the statement batch expects that warning.
        if (const auto* e = std::get_if<binlog::Enum>(&change.after[written[n]]); e != nullptr && e->index == 0) {
          return false;
        }
        if (n > 0) op.row.push_back(',');
        append_literal(&op.row, change.after[written[n]], schema.columns[map.after[written[n]]]);
      }
      op.row.push_back(')');
    }
    ops.push_back(std::move(op));
  }
  for (Op& op : ops) {
    pending_bytes_ += op.before_key.size() + op.after_key.size() + op.row.size() + 16;
    pending_.push_back(std::move(op));
  }
  return true;
}

void NetChanges::commit_transaction() {
  for (Op& op : pending_) {
    TableState& state = tables_[*op.table];
    auto set = [&](const std::string& key, std::optional<std::string> row) {
      auto it = state.index.find(key);
      folded_bytes_ += key.size() + (row ? row->size() : 0) + 16;
      if (it == state.index.end()) {
        state.index.emplace(key, state.entries.size());
        state.entries.emplace_back(key, std::move(row));
      } else {
        state.entries[it->second].second = std::move(row);
      }
    };
    if (!op.before_key.empty()) set(op.before_key, std::nullopt);
    if (!op.after_key.empty()) set(op.after_key, std::move(op.row));
  }
  pending_.clear();
  pending_bytes_ = 0;
}

std::string NetChanges::row_text(const Head& parts, const std::string& row) const {
  if (!parts.bulk) return row;
  std::string text;
  append_bulk_row_literal(&text, row, parts.written);
  return text;
}

size_t NetChanges::emit(StatementBatch* batch, bool target_mariadb, std::vector<BulkRows>* bulk) {
  size_t upserted = 0;
  for (auto& [table, state] : tables_) {
    const Head& parts = heads_.at(table);
    const std::string& key_sql = parts.key_sql;
    const std::string& head = parts.insert_head;
    const std::string delete_head = "DELETE FROM " + table + " WHERE " + key_sql + " IN (";
    std::string tail;  // "" or " AS … ON DUPLICATE KEY UPDATE …"
    if (parts.upsert) {
      constexpr const char* kAlias = "galaxis_relay_new";
      if (!target_mariadb) tail = std::string(" AS ") + kAlias;
      tail += " ON DUPLICATE KEY UPDATE ";
      for (size_t n = 0; n < parts.set_columns.size(); ++n) {
        const std::string& c = parts.set_columns[n];
        if (n > 0) tail.push_back(',');
        tail += target_mariadb ? c + "=VALUES(" + c + ")" : c + "=" + kAlias + "." + c;
      }
    }
    std::string statement;
    for (const auto& [key, row] : state.entries) {
      if (parts.upsert && row) continue;  // upserted below
      if (statement.empty()) {
        statement = delete_head;
      } else {
        statement.push_back(',');
      }
      statement += key;
      if (statement.size() >= max_statement_bytes_) {
        batch->add_statement(statement + ")");
        statement.clear();
      }
    }
    if (!statement.empty()) batch->add_statement(statement + ")");
    statement.clear();
    if (parts.bulk && bulk != nullptr) {
      // One '?' per column; chunks of about max_statement_bytes of values.
      std::string sql = head + "(";
      for (size_t n = 0; n < parts.written.size(); ++n) sql += n > 0 ? ",?" : "?";
      sql += ")" + tail;
      size_t chunk_bytes = max_statement_bytes_;
      for (auto& [key, row] : state.entries) {
        if (!row) continue;
        if (chunk_bytes >= max_statement_bytes_) {
          bulk->push_back(BulkRows{table, sql, parts.written, {}});
          chunk_bytes = 0;
        }
        chunk_bytes += row->size();
        bulk->back().rows.push_back(std::move(*row));
        if (parts.upsert) ++upserted;
      }
      continue;
    }
    for (const auto& [key, row] : state.entries) {
      if (!row) continue;
      if (statement.empty()) {
        statement = head;
      } else {
        statement.push_back(',');
      }
      statement += row_text(parts, *row);
      if (parts.upsert) ++upserted;
      if (statement.size() >= max_statement_bytes_) {
        batch->add_statement(statement + tail);
        statement.clear();
      }
    }
    if (!statement.empty()) batch->add_statement(statement + tail);
  }
  tables_.clear();
  folded_bytes_ = 0;
  if (pending_.empty()) heads_.clear();
  return upserted;
}

void NetChanges::emit_pending(StatementBatch* batch) {
  for (const Op& op : pending_) {
    const Head& parts = heads_.at(*op.table);
    if (!op.before_key.empty())
      batch->add_statement("DELETE FROM " + *op.table + " WHERE " + parts.key_sql + " IN (" + op.before_key + ")");
    if (!op.after_key.empty()) batch->add_statement(parts.insert_head + row_text(parts, op.row));
  }
  pending_.clear();
  pending_bytes_ = 0;
  if (tables_.empty()) heads_.clear();
}

}  // namespace galaxis::sql
