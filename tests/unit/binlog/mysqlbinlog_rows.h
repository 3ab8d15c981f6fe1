// tests/unit/binlog/mysqlbinlog_rows.h — compare decoded row values with the
// `### INSERT/UPDATE/DELETE ... @N=value` pseudo-SQL that Oracle's
// mysqlbinlog -v/-vv (and MariaDB's mariadb-binlog --verbose) print.
//
// Both sides are brought to one canonical text per value: the oracle text is
// parsed (quoted strings unescaped, the -vv type comment dropped) and our
// Values are printed the way mysqlbinlog prints them (DATE with ':'
// separators, TIMESTAMP as seconds, SET/BIT as b'...', FLOAT %g, DOUBLE
// %.20g, signed integers with the unsigned reading in parentheses, partial
// JSON as JSON_REPLACE(@N, ...) calls), then compared as strings.
#pragma once

#include <string>
#include <vector>

#include "galaxis/binlog/rows.h"

namespace galaxis::binlog::rowtest {

struct TextRow {
  std::string kind;                                        // INSERT, UPDATE, DELETE
  std::string table;                                       // `db`.`table`
  std::vector<std::pair<int, std::string>> before, after;  // (@N, canonical value)
};

// Parses every `###` row block in mysqlbinlog output. `mariadb_quoting`:
// the text comes from mariadb-binlog, which escapes only control bytes.
std::vector<TextRow> parse_mysqlbinlog_rows(const std::string& text, bool mariadb_quoting = false);

// Our decode of a binlog file (payload events included), as TextRows.
std::vector<TextRow> decode_rows_as_text(const std::string& binlog_path);

// The mysqlbinlog text of one value of a column, canonicalised.
std::string mysqlbinlog_value(const Value& v, const ColumnInfo& column, int column_number);

// Compares two row lists; returns "" when equal, else a description of the
// first differences (at most `max_diffs`).
std::string compare_rows(const std::vector<TextRow>& expected, const std::vector<TextRow>& actual,
                         size_t max_diffs = 10);

std::string read_file(const std::string& path);
// GALAXIS_CORPUS_DIR, else GALAXIS_SOURCE_DIR/tests/data/binlog.
std::string rows_corpus_dir();

}  // namespace galaxis::binlog::rowtest
