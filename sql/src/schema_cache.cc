#include "galaxis/sql/schema_cache.h"

#include <strings.h>

#include <algorithm>

#include "galaxis/common/log.h"

namespace galaxis::sql {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

}  // namespace

unsigned ColumnSchema::integer_bits() const {
  if (data_type == "tinyint") return 8;
  if (data_type == "smallint") return 16;
  if (data_type == "mediumint") return 24;
  if (data_type == "int" || data_type == "integer") return 32;
  if (data_type == "bigint") return 64;
  return 0;
}

size_t TableSchema::find_column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (strcasecmp(columns[i].name.c_str(), name.c_str()) == 0) return i;
  }
  return columns.size();
}

const TableSchema& SchemaCache::get(const std::string& database, const std::string& table) {
  auto key = std::make_pair(database, table);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto schema = std::make_unique<TableSchema>(load(database, table));
    it = tables_.emplace(std::move(key), std::move(schema)).first;
  }
  return *it->second;
}

TableSchema SchemaCache::load(const std::string& database, const std::string& table) {
  TableSchema schema;
  schema.database = database;
  schema.table = table;
  const std::string where =
      "TABLE_SCHEMA = " + connection_->quote(database) + " AND TABLE_NAME = " + connection_->quote(table);

  // GENERATION_EXPRESSION is NULL (MariaDB) or '' (MySQL) for ordinary columns.
  Rows columns = connection_->query(
      "SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, CHARACTER_SET_NAME, IS_NULLABLE, EXTRA, "
      "COALESCE(GENERATION_EXPRESSION, '') FROM information_schema.COLUMNS WHERE " +
      where + " ORDER BY ORDINAL_POSITION");
  if (columns.empty()) {
    throw_error(Error::Kind::kServer, "table {} does not exist on the target (or the target user cannot see it)",
                qualified_name(database, table));
  }
  for (const Row& row : columns) {
    ColumnSchema column;
    column.name = row[0].value_or("");
    column.data_type = row[1].value_or("");
    column.column_type = row[2].value_or("");
    column.charset = row[3].value_or("");
    if (column.charset == "binary") column.charset.clear();
    column.nullable = row[4].value_or("") == "YES";
    const std::string extra = row[5].value_or("");
    column.is_unsigned = contains(column.column_type, "unsigned");
    column.generated = !row[6].value_or("").empty() || contains(extra, "generated") || contains(extra, "persistent");
    column.invisible = contains(extra, "invisible");
    schema.columns.push_back(std::move(column));
  }

  // Candidate keys: PRIMARY first, then unique indexes by name.
  Rows stats = connection_->query("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE " + where +
                                  " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX");
  std::string current;
  std::vector<size_t> key;
  bool usable = true;
  auto consider = [&] {
    if (current.empty() || schema.key_kind != KeyKind::kNone || !usable || key.empty()) return;
    schema.key_kind = current == "PRIMARY" ? KeyKind::kPrimary : KeyKind::kUniqueNotNull;
    schema.key_name = current;
    schema.key_columns = key;
  };
  for (const Row& row : stats) {
    std::string index = row[0].value_or("");
    if (index != current) {
      consider();
      current = index;
      key.clear();
      usable = true;
    }
    if (!row[1]) {  // functional key part (MySQL 8): not a column we can match on
      usable = false;
      continue;
    }
    size_t column = schema.find_column(*row[1]);
    if (column == schema.columns.size() || (current != "PRIMARY" && schema.columns[column].nullable)) {
      usable = false;
      continue;
    }
    key.push_back(column);
  }
  consider();

  Rows triggers = connection_->query(
      "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = " +
      connection_->quote(database) + " AND EVENT_OBJECT_TABLE = " + connection_->quote(table));
  for (const Row& row : triggers) {
    if (row[1].value_or("").find(kApplyingVariable) == std::string::npos) {
      schema.unguarded_triggers.push_back(row[0].value_or(""));
    }
  }
  schema.has_foreign_keys =
      connection_
          ->query_value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE (CONSTRAINT_SCHEMA = " +
                        connection_->quote(database) + " AND TABLE_NAME = " + connection_->quote(table) +
                        ") OR (UNIQUE_CONSTRAINT_SCHEMA = " + connection_->quote(database) +
                        " AND REFERENCED_TABLE_NAME = " + connection_->quote(table) + ")")
          .value_or("0") != "0";
  return schema;
}

}  // namespace galaxis::sql
