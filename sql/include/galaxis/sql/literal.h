// galaxis/sql/literal.h — decoded binlog values as SQL literals.
//
// Pure functions, no connection: the output is byte-exact and unit-tested.
// The literals assume the applier's target session (target_session.h):
// character_set_client utf8mb4, sql_mode without NO_BACKSLASH_ESCAPES,
// time_zone '+00:00'.
//
// Encoding per Value alternative (the target column decides where the
// binlog alone is ambiguous):
//   Null             NULL
//   int64_t          decimal; reinterpreted as unsigned when the target
//                    column is UNSIGNED (table maps without signedness
//                    metadata decode integers as signed)
//   uint64_t         decimal
//   float, double    shortest round-trip text in exponent form
//                    (1.100000023841858e+00): an approximate-value literal,
//                    parsed as a double, so float columns get the same bits
//                    back; NaN/inf throw Error(kUnsupported)
//   Decimal          its text, unquoted (exact-value literal)
//   Year             the number (0 is the zero year)
//   Date/DateTime/Time  '2024-02-29', '2024-02-29 13:14:15.123000',
//                    '-838:59:59.000000' (fraction to the column precision)
//   Timestamp        UTC wall time '1970-01-01 00:00:01.500' (the session
//                    is '+00:00'); seconds 0 is '0000-00-00 00:00:00'
//   Text             _<charset>'escaped' using the target column's charset
//                    (bytes pass through unconverted); _binary'...' for
//                    binary columns
//   Enum, Set        the index / bit mask as a number (ENUM by index, SET by
//                    bits; a mask with bit 63 as its signed reading, the
//                    only one a SET column compares equal to)
//   Bit              the number
//   Json             CAST(_utf8mb4'text' AS JSON), or Json::sql when the text
//                    would lose a type (JSON_OBJECT(...CAST(1.50 AS DECIMAL(3,2))...))
//   Text for BINARY(n), MariaDB UUID/INET6/INET4 (target DATA_TYPE)
//                    padded with 0x00 to the column's size (the binlog strips
//                    trailing zero bytes); UUID as its canonical text
//   Geometry         _binary'<SRID + WKB>' (MySQL's internal format, which
//                    both servers accept for geometry columns)
//   Vector           _binary'<little-endian float32s>'
//   JsonDiff         only as an UPDATE's SET expression: see json_diff_expression()
// Errors: Error(kUnsupported) for a value the column cannot take (NaN,
// JsonDiff outside an UPDATE), Error(kCorrupt) for malformed decimal text.
#pragma once

#include <string>
#include <string_view>

#include "galaxis/binlog/value.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

// Appends the literal for `value` destined for `column` to *out.
void append_literal(std::string* out, const binlog::Value& value, const ColumnSchema& column);
std::string literal(const binlog::Value& value, const ColumnSchema& column);

// Appends `bytes` (text in `charset`, as stored) as a string literal that
// stores exactly those bytes in a column of that charset, and returns the
// charset of the literal (for a COLLATE <charset>_bin next to it). MySQL
// warns (1287, deprecated) for every `_utf8mb3` / `_ucs2` introducer, and
// the applier stops on any warning: utf8mb3 text (a subset of utf8mb4) is
// written `_utf8mb4`, valid ucs2 text transcoded to `_utf8mb4`; the server
// converts it back losslessly. Everything else keeps its own introducer.
std::string_view append_text_literal(std::string* out, std::string_view charset, std::string_view bytes);

// Appends 'bytes' with backslash escapes for \0 \n \r \\ ' " and \x1a.
void append_quoted(std::string* out, std::string_view bytes);
// The same as a new string (for the few statements built outside hot paths).
std::string quoted(std::string_view bytes);

// `current` (an SQL expression, usually the quoted column name) with the
// diff's operations applied in order: JSON_REPLACE / JSON_INSERT /
// JSON_ARRAY_INSERT (insert at an array index) / JSON_REMOVE.
std::string json_diff_expression(const binlog::JsonDiff& diff, const std::string& current);

// "2024-02-29 13:14:15" (+ ".fff" to `precision` digits) for UTC seconds.
std::string format_utc_timestamp(uint32_t seconds, uint32_t micros, unsigned precision);

}  // namespace galaxis::sql
