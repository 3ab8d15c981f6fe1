// galaxis/binlog/table_map.h — TABLE_MAP_EVENT: the column layout that the
// following row events of the same table_id are decoded with.
//
// Optional metadata (MySQL 8.0+ binlog_row_metadata=MINIMAL|FULL, MariaDB
// 10.5+ binlog_row_metadata) fills the fields marked "optional"; when absent
// they keep their defaults and consumers fall back to the target's
// information_schema.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "galaxis/binlog/column_type.h"

namespace galaxis::binlog {

struct ColumnInfo {
  ColumnType type = ColumnType::kNull;       // as written in the table map
  ColumnType real_type = ColumnType::kNull;  // STRING metadata may hide ENUM/SET; else == type
  uint16_t meta = 0;                         // per-type metadata (length, precision/scale, pack length...)
  bool nullable = true;
  // Optional metadata:
  std::optional<bool> is_unsigned;       // numeric columns only
  uint16_t collation = 0;                // character columns; 63 = binary, 0 = unknown
  std::string name;                      // FULL only
  std::vector<std::string> enum_values;  // FULL only (ENUM)
  std::vector<std::string> set_values;   // FULL only (SET)
  uint32_t geometry_type = 0;            // FULL only (GEOMETRY)
  bool visible = true;                   // MySQL 8.0.23+ column visibility

  // Bits of the stored integer (8, 16, 24, 32, 64) for integer types, else 0.
  unsigned width_bits() const;
  // Fractional-second digits for TIME2/DATETIME2/TIMESTAMP2 (from meta), else 0.
  unsigned fsp() const;
  // Declared max length of CHAR/VARCHAR in bytes, precision of DECIMAL, ...:
  // see the decoder for the exact meaning of meta per type.
};

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string database;
  std::string table;
  std::vector<ColumnInfo> columns;
  // Optional metadata:
  std::vector<uint32_t> primary_key;  // column indexes, in key order
  bool has_column_names = false;
  bool has_signedness = false;
  bool has_charsets = false;
};

}  // namespace galaxis::binlog
