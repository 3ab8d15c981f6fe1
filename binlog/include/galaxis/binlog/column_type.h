// galaxis/binlog/column_type.h — MySQL/MariaDB column type codes as they
// appear in TABLE_MAP events (enum_field_types).
#pragma once

#include <cstdint>
#include <string_view>

namespace galaxis::binlog {

enum class ColumnType : uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDateTime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDateTime2 = 18,
  kTime2 = 19,
  kTypedArray = 20,
  // MariaDB column compression (VARCHAR/TEXT/BLOB ... COMPRESSED): the table
  // map says 140/141; row values carry MariaDB's compressed record
  // (values_compressed.cc) and decode to the uncompressed Text.
  kBlobCompressed = 140,
  kVarcharCompressed = 141,
  kVector = 242,
  kInvalid = 243,
  kBool = 244,
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

// "LONG", "VARCHAR", "NEWDECIMAL", ... ; "type<N>" when unknown.
std::string_view column_type_name(ColumnType type);

}  // namespace galaxis::binlog
