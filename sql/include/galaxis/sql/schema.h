// galaxis/sql/schema.h — what the applier needs to know about a target table.
//
// Plain values, built by SchemaCache (schema_cache.h) from the target's
// information_schema, or by hand in tests. Columns are in ordinal order,
// which is the order of columns in the binlog's row images for a table
// whose DDL has been replayed in order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace galaxis::sql {

struct ColumnSchema {
  std::string name;
  std::string data_type;    // lower-case information_schema DATA_TYPE: "int", "varchar", "json", ...
  std::string column_type;  // full type: "int(10) unsigned", "enum('a','b')"
  std::string charset;      // CHARACTER_SET_NAME; "" for non-character and binary columns
  bool is_unsigned = false;
  bool nullable = true;
  bool generated = false;  // VIRTUAL/STORED/PERSISTENT: never written
  bool invisible = false;  // written like any other column

  // Bits of an integer type (tinyint 8 ... bigint 64), else 0.
  unsigned integer_bits() const;
  bool is_character() const { return !charset.empty(); }
};

enum class KeyKind { kPrimary, kUniqueNotNull, kNone };

struct TableSchema {
  std::string database;
  std::string table;
  std::vector<ColumnSchema> columns;
  KeyKind key_kind = KeyKind::kNone;
  std::string key_name;                         // "PRIMARY" or the unique index name
  std::vector<size_t> key_columns;              // indexes into columns, in key order
  std::vector<std::string> unguarded_triggers;  // target triggers that would fire for our writes
  bool has_foreign_keys = false;                // references or is referenced by a foreign key

  // Index of a column by name (case-insensitive), or columns.size().
  size_t find_column(const std::string& name) const;
};

}  // namespace galaxis::sql
