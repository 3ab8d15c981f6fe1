// map_columns (statement_builder.h): which target column each value of a
// row image belongs to.
//
// The target's TableSchema lists every column the server keeps, in the
// order of the binlog's row images, including the ones information_schema
// hides (schema.h: implicit row_start/row_end, DB_ROW_HASH_n). So:
// - with column names in the table map (binlog_row_metadata=FULL) each
//   binlog column is found by name; a name the target lacks is an error;
// - without names the counts must agree and each column keeps its position;
//   the hidden columns' positions are then checked against the table map's
//   types (a long-unique hash is a LONGLONG, an implicit period column a
//   TIMESTAMP2), so a layout we guessed wrong stops instead of writing
//   values into the wrong columns.
// Every mismatch names the table, both column lists and what to do.
#include <fmt/format.h>

#include "galaxis/common/error.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/statement_builder.h"

namespace galaxis::sql {
namespace {

std::string role_note(const ColumnSchema& column) {
  switch (column.role) {
    case ColumnRole::kRowStart: return column.hidden ? " [implicit ROW START]" : " [ROW START]";
    case ColumnRole::kRowEnd: return column.hidden ? " [implicit ROW END]" : " [ROW END]";
    case ColumnRole::kLongUniqueHash: return " [hidden long-UNIQUE hash]";
    case ColumnRole::kPlain: break;
  }
  if (column.generated) return " [generated]";
  if (column.invisible) return " [invisible]";
  return "";
}

std::string target_columns(const TableSchema& schema) {
  std::string out;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i > 0) out += ", ";
    out +=
        fmt::format("`{}` {}{}", schema.columns[i].name, schema.columns[i].column_type, role_note(schema.columns[i]));
  }
  return out;
}

std::string binlog_columns(const binlog::RowsEvent& event) {
  const binlog::TableMap* map = event.table.get();
  if (map == nullptr || map->columns.size() != event.column_count) return fmt::format("{} columns", event.column_count);
  std::string out;
  for (size_t i = 0; i < map->columns.size(); ++i) {
    if (i > 0) out += ", ";
    const binlog::ColumnInfo& column = map->columns[i];
    if (map->has_column_names) out += fmt::format("`{}` ", column.name);
    out += fmt::format("{}", binlog::column_type_name(column.real_type));
  }
  return out;
}

[[noreturn]] void mismatch(const binlog::RowsEvent& event, const TableSchema& schema, const std::string& what) {
  const bool names = event.table != nullptr && event.table->has_column_names;
  throw_error(Error::Kind::kUnsupported,
              "row event for {} does not fit the target table: {}. The binlog has {} column(s): ({}); the target has "
              "{}: ({}). {}",
              qualified_name(schema.database, schema.table), what, event.column_count, binlog_columns(event),
              schema.columns.size(), target_columns(schema),
              names ? "Columns are matched by name (binlog_row_metadata=FULL): add the missing column on the passive "
                      "or copy the table again (galaxis-relay sync)."
                    : "Without binlog_row_metadata=FULL columns are matched by position, so the passive's table must "
                      "have the master's columns in the master's order (replay the master's DDL, or copy the table "
                      "again with galaxis-relay sync); SET GLOBAL binlog_row_metadata=FULL on the master matches them "
                      "by name instead.");
}

// Whether the table map's type at a hidden column's position is what that
// column is on the server.
bool hidden_type_fits(const ColumnSchema& column, const binlog::ColumnInfo& info) {
  switch (column.role) {
    case ColumnRole::kLongUniqueHash: return info.type == binlog::ColumnType::kLongLong;
    case ColumnRole::kRowStart:
    case ColumnRole::kRowEnd:
      return info.type == binlog::ColumnType::kTimestamp2 || info.type == binlog::ColumnType::kTimestamp;
    case ColumnRole::kPlain: break;
  }
  return true;
}

std::vector<size_t> present_targets(const std::vector<bool>& bitmap, const std::vector<size_t>& by_column) {
  std::vector<size_t> out;
  for (size_t i = 0; i < bitmap.size() && i < by_column.size(); ++i) {
    if (bitmap[i]) out.push_back(by_column[i]);
  }
  return out;
}

}  // namespace

ColumnMap map_columns(const binlog::RowsEvent& event, const TableSchema& schema) {
  std::vector<size_t> by_column(event.column_count);
  const binlog::TableMap* map = event.table.get();
  const bool by_name = map != nullptr && map->has_column_names && map->columns.size() == event.column_count;
  if (by_name) {
    for (size_t i = 0; i < event.column_count; ++i) {
      size_t target = schema.find_column(map->columns[i].name);
      if (target == schema.columns.size()) {
        mismatch(event, schema, fmt::format("column `{}` does not exist on the target", map->columns[i].name));
      }
      by_column[i] = target;
    }
  } else {
    if (event.column_count != schema.columns.size()) {
      mismatch(event, schema,
               fmt::format("the binlog has {} columns but the target table has {} (the schemas differ)",
                           event.column_count, schema.columns.size()));
    }
    const bool typed = map != nullptr && map->columns.size() == event.column_count;
    for (size_t i = 0; i < event.column_count; ++i) {
      if (typed && schema.columns[i].hidden && !hidden_type_fits(schema.columns[i], map->columns[i])) {
        mismatch(event, schema,
                 fmt::format("binlog column {} is a {} where the target keeps its hidden column `{}`", i + 1,
                             binlog::column_type_name(map->columns[i].type), schema.columns[i].name));
      }
      by_column[i] = i;
    }
  }
  ColumnMap out;
  out.before = present_targets(event.columns_before, by_column);
  out.after = present_targets(event.columns_after, by_column);
  return out;
}

}  // namespace galaxis::sql
