#include "galaxis/sql/schema_cache.h"

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

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

// Appends the columns MariaDB keeps but information_schema does not show, in
// the order its row images carry them (schema.h), and records versioning.
void add_hidden_columns(TableSchema* schema, bool versioned, size_t long_unique_keys) {
  if (versioned) {
    for (size_t i = 0; i < schema->columns.size(); ++i) {
      if (schema->columns[i].role == ColumnRole::kRowStart) schema->row_start = i;
      if (schema->columns[i].role == ColumnRole::kRowEnd) schema->row_end = i;
    }
    if (schema->row_start == SIZE_MAX || schema->row_end == SIZE_MAX) {
      // WITH SYSTEM VERSIONING without a PERIOD: implicit TIMESTAMP(6) columns.
      for (ColumnRole role : {ColumnRole::kRowStart, ColumnRole::kRowEnd}) {
        ColumnSchema column;
        column.name = role == ColumnRole::kRowStart ? "row_start" : "row_end";
        column.data_type = "timestamp";
        column.column_type = "timestamp(6)";
        column.nullable = false;
        column.generated = true;
        column.hidden = true;
        column.role = role;
        (role == ColumnRole::kRowStart ? schema->row_start : schema->row_end) = schema->columns.size();
        schema->columns.push_back(std::move(column));
      }
    }
    schema->versioning =
        schema->columns[schema->row_start].integer_bits() != 0 ? Versioning::kTransactionId : Versioning::kTimestamp;
  }
  for (size_t n = 1; n <= long_unique_keys; ++n) {
    ColumnSchema column;
    column.name = "DB_ROW_HASH_" + std::to_string(n);
    column.data_type = "bigint";
    column.column_type = "bigint(20)";
    column.generated = true;
    column.hidden = true;
    column.role = ColumnRole::kLongUniqueHash;
    schema->columns.push_back(std::move(column));
  }
}

}  // namespace

unsigned ColumnSchema::integer_bits() const {
  // By length first: called per value on the row path (bulk encoding, literals).
  switch (data_type.size()) {
    case 3: return data_type == "int" ? 32 : 0;
    case 6: return data_type == "bigint" ? 64 : 0;
    case 7: return data_type == "tinyint" ? 8 : data_type == "integer" ? 32 : 0;
    case 8: return data_type == "smallint" ? 16 : 0;
    case 9: return data_type == "mediumint" ? 24 : 0;
    default: return 0;
  }
}

size_t TableSchema::find_column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (strcasecmp(columns[i].name.c_str(), name.c_str()) == 0) return i;
  }
  return columns.size();
}

const TableSchema& SchemaCache::get(const std::string& database, const std::string& table) {
  auto it = tables_.find(NameLess::Names(database, table));
  if (it == tables_.end()) {
    ++loads_;
    auto schema = std::make_unique<TableSchema>(load(database, table));
    it = tables_.emplace(std::make_pair(database, table), std::move(schema)).first;
  }
  return *it->second;
}

const std::map<std::string, std::string>& SchemaCache::foreign_key_groups() {
  if (foreign_key_groups_) return *foreign_key_groups_;
  // Union-find over lower-case "db.table" names (folding can only merge
  // groups); each group is named by its smallest member.
  std::map<std::string, std::string> parent;
  auto find = [&](std::string name) {
    auto it = parent.try_emplace(name, name).first;
    while (it->second != it->first) {
      auto up = parent.find(it->second);
      it->second = up->second;  // path halving
      it = up;
    }
    return it->first;
  };
  Rows edges = connection_->query(
      "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME FROM "
      "information_schema.REFERENTIAL_CONSTRAINTS");
  for (const Row& row : edges) {
    std::string a = find(lower(row[0].value_or("")) + "." + lower(row[1].value_or("")));
    std::string b = find(lower(row[2].value_or("")) + "." + lower(row[3].value_or("")));
    if (a == b) continue;
    if (b < a) std::swap(a, b);
    parent[b] = a;
  }
  std::map<std::string, std::string> groups;
  for (const auto& [name, up] : parent) groups.emplace(name, find(name));
  foreign_key_groups_ = std::move(groups);
  return *foreign_key_groups_;
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
      "COALESCE(GENERATION_EXPRESSION, ''), COLLATION_NAME, CHARACTER_OCTET_LENGTH FROM information_schema.COLUMNS "
      "WHERE " +
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
    if (!column.charset.empty()) column.collation = lower(row[7].value_or(""));
    column.nullable = row[4].value_or("") == "YES";
    const std::string extra = row[5].value_or("");
    column.is_unsigned = contains(column.column_type, "unsigned");
    // Not MySQL's "DEFAULT_GENERATED" (an expression DEFAULT such as
    // CURRENT_TIMESTAMP): that column is written like any other.
    column.generated = !row[6].value_or("").empty() || contains(extra, "virtual generated") ||
                       contains(extra, "stored generated") || contains(extra, "persistent");
    column.invisible = contains(extra, "invisible");
    // MariaDB shows explicit period columns as STORED GENERATED with the
    // expression "ROW START" / "ROW END".
    const std::string expression = lower(row[6].value_or(""));
    if (expression == "row start") column.role = ColumnRole::kRowStart;
    if (expression == "row end") column.role = ColumnRole::kRowEnd;
    column.on_update = contains(extra, "on update");
    if (row.size() > 8 && row[8]) column.max_bytes = std::strtoull(row[8]->c_str(), nullptr, 10);
    schema.columns.push_back(std::move(column));
  }

  // Every unique key, PRIMARY first, then unique indexes by name. A NULL
  // COLUMN_NAME is a functional key part (MySQL 8+), SUB_PART a prefix.
  Rows stats =
      connection_->query("SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS WHERE " + where +
                         " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX");
  std::vector<bool> matchable;  // per unique key: every part is a column
  for (const Row& row : stats) {
    std::string index = row[0].value_or("");
    if (schema.unique_keys.empty() || schema.unique_keys.back().name != index) {
      schema.unique_keys.push_back(UniqueKey{index, {}, false});
      matchable.push_back(true);
    }
    UniqueKey& key = schema.unique_keys.back();
    size_t column = row[1] ? schema.find_column(*row[1]) : schema.columns.size();
    if (column == schema.columns.size()) {
      key.opaque = true;
      matchable.back() = false;
      continue;
    }
    key.columns.push_back(column);
    uint32_t prefix = 0;
    if (row[2]) {
      const std::string& text = *row[2];
      auto parsed = std::from_chars(text.data(), text.data() + text.size(), prefix);
      if (parsed.ec != std::errc() || prefix == 0) key.opaque = true;
    }
    if (prefix != 0 || !key.prefix_lengths.empty()) {
      key.prefix_lengths.resize(key.columns.size() - 1, 0);
      key.prefix_lengths.push_back(prefix);
    }
  }

  // MariaDB's UNIQUE (k, p WITHOUT OVERLAPS) is listed as (k, period end,
  // period start) and rejects overlapping periods, not equal values. A
  // unique key ending in two temporal columns is taken for one (a rare
  // shape otherwise; opaque only costs parallelism).
  auto temporal = [&](size_t column) {
    const std::string& type = schema.columns[column].data_type;
    return type == "date" || type == "datetime" || type == "timestamp";
  };
  for (UniqueKey& key : schema.unique_keys) {
    size_t n = key.columns.size();
    if (n >= 2 && temporal(key.columns[n - 1]) && temporal(key.columns[n - 2])) key.opaque = true;
  }

  // The applier's key: the PRIMARY KEY, else the first unique index whose
  // parts are all NOT NULL columns (prefixes allowed: WHERE c = 'full value'
  // still names one row).
  for (size_t k = 0; k < schema.unique_keys.size(); ++k) {
    const UniqueKey& key = schema.unique_keys[k];
    bool primary = key.name == "PRIMARY";
    bool usable = matchable[k] && !key.columns.empty();
    for (size_t n = 0; n < key.columns.size() && usable; ++n) {
      usable = primary || !schema.columns[key.columns[n]].nullable;
    }
    if (!usable) continue;
    schema.key_kind = primary ? KeyKind::kPrimary : KeyKind::kUniqueNotNull;
    schema.key_name = key.name;
    schema.key_columns = key.columns;
    break;
  }

  Rows triggers = connection_->query(
      "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = " +
      connection_->quote(database) + " AND EVENT_OBJECT_TABLE = " + connection_->quote(table));
  for (const Row& row : triggers) {
    if (row[1].value_or("").find(kApplyingVariable) == std::string::npos) {
      schema.unguarded_triggers.push_back(row[0].value_or(""));
    }
  }
  // The engine decides whether a rolled-back target transaction undoes the
  // rows (write_set.h makes non-transactional tables barriers).
  // Also: TABLE_TYPE 'SYSTEM VERSIONED' (MariaDB) and the number of long
  // UNIQUE keys, which MariaDB lists as unique HASH indexes (MEMORY's HASH
  // indexes are ordinary ones; InnoDB/MyISAM/Aria have no other HASH).
  // The subquery names the table by constants, not by t's columns: MariaDB
  // then opens only that table for STATISTICS; correlated, it read every
  // table of the server per load (issue 15: 5.6 ms of server CPU per table
  // with 4 small tables, ~8% of a catch-up benchmark's target CPU).
  const std::string quoted_database = connection_->quote(database);
  const std::string quoted_table = connection_->quote(table);
  Rows table_info = connection_->query(
      "SELECT t.ENGINE, e.TRANSACTIONS, t.TABLE_TYPE, (SELECT COUNT(DISTINCT s.INDEX_NAME) FROM "
      "information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = " +
      quoted_database + " AND s.TABLE_NAME = " + quoted_table +
      " AND s.NON_UNIQUE = 0 AND s.INDEX_TYPE = 'HASH') FROM information_schema.TABLES t LEFT JOIN "
      "information_schema.ENGINES e ON e.ENGINE = t.ENGINE WHERE t.TABLE_SCHEMA = " +
      quoted_database + " AND t.TABLE_NAME = " + quoted_table);
  if (!table_info.empty()) {
    schema.engine = table_info.front()[0].value_or("");
    schema.transactional = table_info.front()[1].value_or("") == "YES";
    const bool versioned = table_info.front()[2].value_or("") == "SYSTEM VERSIONED";
    const bool memory = strcasecmp(schema.engine.c_str(), "MEMORY") == 0;
    add_hidden_columns(&schema, versioned, memory ? 0 : std::stoul(table_info.front()[3].value_or("0")));
  } else {
    schema.transactional = false;  // unknown: the conservative answer
  }
  const auto& groups = foreign_key_groups();
  auto group = groups.find(lower(database) + "." + lower(table));
  if (group != groups.end()) {
    schema.has_foreign_keys = true;
    schema.foreign_key_group = group->second;
  }
  return schema;
}

}  // namespace galaxis::sql
