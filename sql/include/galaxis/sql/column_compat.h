// galaxis/sql/column_compat.h — does the target's column layout hold what
// the source's row events carry? Checked before a table's first row event
// is applied (and again after every DDL), as a native replica checks the
// table map against its table and stops with error 1677.
//
// Compared per column (matched by name when the table map has names, else
// by position), from the table map's type and essential metadata, which
// every binlog carries (no binlog_row_metadata needed):
//   integers        target bits >= source bits; with the source's signedness
//                   (optional metadata) an UNSIGNED source needs an UNSIGNED
//                   target of >= bits or a signed one of more bits, a
//                   signed source a signed target
//   DECIMAL         target integer digits and scale >= the source's
//   FLOAT/DOUBLE    a DOUBLE source needs a DOUBLE target
//   CHAR/VARCHAR/BINARY/VARBINARY/TEXT/BLOB
//                   the target holds as many characters: the table map gives
//                   the source's maximum length in bytes (utf8mb4
//                   VARCHAR(10) = 40); it is turned into characters with the
//                   target column's bytes per character (the DDL that made
//                   both is the same one unless someone changed the target),
//                   so a wider charset on the target is not an error
//   BIT             target bits >= source bits
//   TIME/DATETIME/TIMESTAMP  target fractional digits >= the source's
// A wider target is fine; different type families (INT -> VARCHAR, ...) are
// left to strict mode and the warning check (warning_check.h), which stop on
// any value that does not fit; a column without metadata (meta 0) is not
// checked. Generated target columns are never written: not checked.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "galaxis/binlog/table_map.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

// Why the source column cannot be stored in the target column without
// loss ("source VARCHAR(80 bytes) -> target varchar(3)"), or nullopt when
// it can (or cannot be told).
std::optional<std::string> column_narrowing(const binlog::ColumnInfo& source, const ColumnSchema& target);

// Throws Error(kUnsupported) naming the table, every narrowed column and
// both types, before anything of the table's row events is applied.
void check_column_compatibility(const binlog::TableMap& map, const TableSchema& target);

}  // namespace galaxis::sql
