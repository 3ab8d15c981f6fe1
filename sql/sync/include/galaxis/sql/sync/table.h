// galaxis/sql/sync/table.h — one table as the sync sees it, and the SQL text
// it needs: the select list, value literals, key-range predicates and the
// canonical row hash used by the checksum compare.
//
// Values travel as the source's text protocol returns them with
// character_set_results = NULL (raw column bytes, no conversion):
//   integers, DECIMAL, YEAR     the number, written back unquoted
//   FLOAT                       selected as CAST(c AS DOUBLE): the float's
//                               exact value with 17 digits (the plain text
//                               form has 6 digits on MariaDB and loses bits)
//   BIT                         selected as c+0, written back as a number
//   character columns, ENUM, SET  _<charset>'bytes' (bytes pass unconverted)
//   binary strings, BLOB, GEOMETRY, VECTOR  _binary'bytes'
//   temporal                    'text' (sessions are time_zone '+00:00')
//   MariaDB UUID, INET6, INET4  'text' too (their text form)
//   JSON (MySQL)                _utf8mb4'text'
// The row hash: CRC32(CONCAT_WS('#', <each column, character columns as
// bytes, strings preceded by their byte length>, CONCAT(ISNULL(nullable
// columns)...))) — NULL differs from '', a '#' inside a value cannot shift
// fields, case and trailing spaces count (CHAR trailing spaces are not stored).
//
// Keys are the primary key, else a unique key over NOT NULL columns
// (SchemaCache's choice); a key value is the key columns' raw bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/sql/schema.h"

namespace galaxis::sql::sync {

enum class ValueKind { kNumber, kFloat, kBit, kText, kBinary, kTemporal, kJson };

struct SyncColumn {
  std::string name;
  std::string column_type;  // information_schema COLUMN_TYPE, for layout messages
  ValueKind kind = ValueKind::kText;
  std::string charset;  // kText only
  bool nullable = true;
};

using KeyValue = std::vector<std::string>;  // raw bytes of each key column

struct SyncTable {
  std::string database;  // on the source
  std::string table;
  std::string target_database;      // after --rename-db
  std::vector<SyncColumn> columns;  // written columns (generated ones excluded), ordinal order
  std::vector<size_t> key;          // indexes into columns; empty: no usable key
  uint64_t estimated_rows = 0;      // information_schema TABLES.TABLE_ROWS
  uint64_t average_row_bytes = 0;

  bool has_key() const { return !key.empty(); }
  std::string source_name() const;  // `db`.`t`
  std::string target_name() const;  // `target_db`.`t`
};

ValueKind value_kind(const ColumnSchema& column);
// Builds the sync view of a table from its (source) schema.
SyncTable make_sync_table(const TableSchema& schema, const std::string& target_database);

// "`a`,CAST(`f` AS DOUBLE),`b`+0"
std::string select_list(const SyncTable& table);
// "(`a`,`f`,`b`)"
std::string column_list(const SyncTable& table);
// "`k1`,`k2`"
std::string key_order(const SyncTable& table);
// "`k1`,`k2`" as selected (same expressions as select_list)
std::string key_select_list(const SyncTable& table);

// The literal for a value of `column` (nullopt: NULL) as returned by a
// select_list() query.
void append_value(std::string* out, const SyncColumn& column, const std::optional<std::string_view>& value);
// "(v1,v2,...)" for one row.
void append_row(std::string* out, const SyncTable& table, const std::vector<std::optional<std::string_view>>& row);

// Key-range predicate: key > lower (when given) AND key <= upper (when
// given), expanded into ORs of column comparisons so both servers use the
// index. "1" when neither is given.
std::string range_predicate(const SyncTable& table, const std::optional<KeyValue>& lower,
                            const std::optional<KeyValue>& upper);
// key IN (...) for a list of key values (composite keys: ORs of ANDs).
std::string key_in_predicate(const SyncTable& table, const std::vector<KeyValue>& keys);
// Every column equal (null-safe, byte-exact) to the row's values: for rows
// of tables without a key.
std::string row_match_predicate(const SyncTable& table, const std::vector<std::optional<std::string>>& row);

// CRC32 of the canonical row encoding (see above).
std::string row_hash_expression(const SyncTable& table);

// Key values stored as text (resume state, manifests): hex of each column,
// comma-separated. decode throws Error(kCorrupt) on malformed text.
std::string encode_key(const KeyValue& key);
KeyValue decode_key(std::string_view text);

}  // namespace galaxis::sql::sync
