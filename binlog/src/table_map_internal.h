// binlog/src/table_map_internal.h — column classification shared by the
// table map and value decoders. Not installed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "galaxis/binlog/table_map.h"

namespace galaxis::binlog::detail {

// Columns the SIGNEDNESS field has a bit for (integers, YEAR, old and new DECIMAL, FLOAT, DOUBLE).
bool is_numeric_column(const ColumnInfo& c);
// Columns DEFAULT_CHARSET/COLUMN_CHARSET describe (CHAR, VARCHAR, BLOB/TEXT;
// MySQL also VECTOR, MariaDB also GEOMETRY).
bool is_character_column(const ColumnInfo& c, bool mariadb);
bool is_enum_or_set_column(const ColumnInfo& c);
// Declared maximum byte length of a STRING (CHAR/BINARY) column, decoded
// from its two metadata bytes (lengths over 255 borrow bits of byte 0).
uint32_t string_max_length(const ColumnInfo& c);

// A database/table/column name for an error message: control bytes (and
// NUL, which would cut the message short) as \xNN.
std::string printable_name(std::string_view name);

}  // namespace galaxis::binlog::detail
