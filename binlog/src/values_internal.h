// binlog/src/values_internal.h — helpers shared by the value, binary JSON and
// JSON diff decoders. Not installed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "galaxis/binlog/byte_reader.h"
#include "galaxis/binlog/table_map.h"
#include "galaxis/binlog/value.h"

namespace galaxis::binlog::detail {

// Bytes of MySQL's binary DECIMAL(precision, scale); throws kCorrupt when
// precision/scale are out of range (precision 1..65, scale <= 38 and <= precision:
// MySQL allows scale 30, MariaDB 38).
size_t decimal_binary_size(unsigned precision, unsigned scale, uint64_t offset);
// Appends the exact text of a binary DECIMAL ("-12.340", scale digits after
// the point). `bytes` must be decimal_binary_size() long.
void append_decimal_text(std::string& out, std::span<const uint8_t> bytes, unsigned precision, unsigned scale,
                         uint64_t offset);

// MariaDB COMPRESSED column values (values_compressed.cc): `stored` is the
// column's bytes after the length prefix; returns the uncompressed bytes.
std::string mariadb_column_uncompress(std::span<const uint8_t> stored, uint64_t offset);

// Temporal column values (values_temporal.cc).
Value decode_temporal(ByteReader& in, const ColumnInfo& column);

// MySQL's packed in-memory temporal (8-byte) as stored in JSON opaque values.
DateTime datetime_from_packed(int64_t packed);
Time time_from_packed(int64_t packed);

// The SQL expression that builds the binary JSON document exactly (see
// Json::sql); needed when json_binary_to_text() said the text is lossy.
std::string json_binary_to_sql(std::span<const uint8_t> bytes, uint64_t base_offset);

// JSON text pieces as MySQL prints them (json_binary.cc).
void append_json_string(std::string& out, std::string_view s);
void append_json_double(std::string& out, double d);

// A partial JSON update (PARTIAL_UPDATE_ROWS after image) of `bytes`.
JsonDiff decode_json_diff(std::span<const uint8_t> bytes, uint64_t base_offset);

}  // namespace galaxis::binlog::detail
