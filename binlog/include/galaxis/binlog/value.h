// galaxis/binlog/value.h — one decoded column value.
//
// A Value owns its bytes (it outlives the event buffer). Which alternative a
// column decodes to is fixed by its real type (see table_map.h):
//   integers  -> int64_t, or uint64_t when the table map says UNSIGNED
//                (without signedness metadata integers decode as signed;
//                reinterpret with ColumnInfo::width_bits() when you know better)
//   FLOAT -> float, DOUBLE -> double, YEAR -> Year, NEWDECIMAL -> Decimal
//   DATE -> Date, TIME/TIME2 -> Time, DATETIME/DATETIME2 -> DateTime,
//   TIMESTAMP/TIMESTAMP2 -> Timestamp (UTC seconds since the epoch)
//   CHAR/VARCHAR/TEXT -> Text (bytes in the column charset), BINARY/VARBINARY/BLOB
//   -> Text with collation 63 (binary); unknown charset -> collation 0
//   ENUM -> Enum, SET -> Set, BIT -> Bit, JSON -> Json, GEOMETRY -> Geometry,
//   VECTOR -> Vector, PARTIAL_UPDATE_ROWS JSON diffs -> JsonDiff
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace galaxis::binlog {

struct Null {
  bool operator==(const Null&) const = default;
};

// Exact decimal text: optional '-', digits, and exactly `scale` digits after
// the point (no point when scale is 0). "-12.340", "0.00", "123".
struct Decimal {
  std::string text;
  bool operator==(const Decimal&) const = default;
};

struct Year {
  uint16_t value = 0;  // 0 for the zero year, else 1901..2155
  bool operator==(const Year&) const = default;
};

struct Date {
  uint16_t year = 0;
  uint8_t month = 0;  // 0 allowed (zero dates)
  uint8_t day = 0;
  bool operator==(const Date&) const = default;
};

struct Time {
  bool negative = false;
  uint32_t hours = 0;  // up to 838
  uint8_t minutes = 0;
  uint8_t seconds = 0;
  uint32_t micros = 0;
  uint8_t precision = 0;  // fractional digits of the column (0..6)
  bool operator==(const Time&) const = default;
};

struct DateTime {
  uint16_t year = 0;
  uint8_t month = 0;
  uint8_t day = 0;
  uint8_t hour = 0;
  uint8_t minute = 0;
  uint8_t second = 0;
  uint32_t micros = 0;
  uint8_t precision = 0;
  bool operator==(const DateTime&) const = default;
};

struct Timestamp {
  uint32_t seconds = 0;  // UTC seconds since 1970-01-01; 0 is the zero timestamp
  uint32_t micros = 0;
  uint8_t precision = 0;
  bool operator==(const Timestamp&) const = default;
};

// Character or binary string. collation is the MySQL collation id
// (63 = binary, 0 = unknown because the binlog carried no charset metadata).
struct Text {
  std::string bytes;
  uint16_t collation = 0;
  bool operator==(const Text&) const = default;
};

struct Enum {
  uint16_t index = 0;  // 1-based; 0 is the empty "error" value
  bool operator==(const Enum&) const = default;
};

struct Set {
  uint64_t bits = 0;
  bool operator==(const Set&) const = default;
};

struct Bit {
  uint64_t bits = 0;
  uint16_t width = 0;  // number of bits in the column (1..64)
  bool operator==(const Bit&) const = default;
};

// A full JSON document, rendered as compact JSON text from MySQL's binary
// JSON (MariaDB stores JSON as Text, not Json).
struct Json {
  std::string text;
  // MySQL: an SQL expression (JSON_OBJECT/JSON_ARRAY/CAST...) that builds
  // exactly the binary document, for the documents whose text loses a type —
  // DECIMAL, DATE/TIME/DATETIME and unsigned integers read back from the
  // text as DOUBLE, strings and signed integers. "" when the text is exact.
  std::string sql;
  bool operator==(const Json&) const = default;
};

// One operation of a MySQL partial JSON update (binlog_row_value_options=PARTIAL_JSON).
struct JsonDiffOp {
  enum class Kind : uint8_t { kReplace = 0, kInsert = 1, kRemove = 2 };
  Kind kind = Kind::kReplace;
  std::string path;        // e.g. "$.a[1]"
  std::string value_json;  // compact JSON text; empty for kRemove
  std::string value_sql;   // as Json::sql: the exact expression when the text loses a type, else
  bool operator==(const JsonDiffOp&) const = default;
};
struct JsonDiff {
  std::vector<JsonDiffOp> ops;
  bool operator==(const JsonDiff&) const = default;
};

// GEOMETRY in MySQL's internal format: 4-byte SRID + WKB.
struct Geometry {
  std::string bytes;
  bool operator==(const Geometry&) const = default;
};

// MySQL 9 VECTOR: little-endian float32 values.
struct Vector {
  std::vector<float> values;
  bool operator==(const Vector&) const = default;
};

using Value = std::variant<Null, int64_t, uint64_t, float, double, Decimal, Year, Date, Time, DateTime, Timestamp, Text,
                           Enum, Set, Bit, Json, JsonDiff, Geometry, Vector>;

inline bool is_null(const Value& v) { return std::holds_alternative<Null>(v); }

}  // namespace galaxis::binlog
