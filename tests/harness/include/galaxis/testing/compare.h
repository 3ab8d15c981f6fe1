// galaxis/testing/compare.h — is the passive a faithful copy of the master?
//
// compare_databases() checks, table by table: the same set of tables (base
// tables only), the same column layout (name, full type incl. charset and
// collation, nullability, default, in order — from information_schema, so
// MySQL-vs-MariaDB cosmetic differences in SHOW CREATE TABLE do not count
// when comparing across flavours), the same primary/unique key columns, and
// the same rows, read in primary-key order (else ordered by every column)
// and compared byte for byte (NULL differs from every string). Rows hold
// every column information_schema lists (INVISIBLE ones too); MariaDB
// system-versioned tables are read FOR SYSTEM_TIME ALL with their period
// columns (implicit row_start/row_end included), so history rows and their
// timestamps count. (Transaction-id periods differ between servers by
// nature: compare such tables yourself.)
//
// Returns "" when equal, else a readable description of the first
// differences (at most `max_differences` lines), e.g.
//   table `shop`.`orders`: row 3 (id=17) column `price`: "9.99" vs "9.90"
//   table `shop`.`orders`: 1 row only in b: (id=18, ...)
// Throws galaxis::Error when a database cannot be read.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "galaxis/testing/sql_connection.h"

namespace galaxis::testing {

class Server;

struct CompareOptions {
  size_t max_differences = 10;
  bool compare_layout = true;  // column definitions and keys
};

std::string compare_databases(Server& a, const std::string& db_a, Server& b, const std::string& db_b,
                              const CompareOptions& options = {});
std::string compare_databases(SqlConnection& a, const std::string& db_a, SqlConnection& b, const std::string& db_b,
                              const CompareOptions& options = {});

// The pure part, exposed for unit tests: compares two tables' rows, already
// sorted in key order. key_columns are indexes into the rows used to name a
// row in messages (empty: whole row). Appends at most `budget` difference
// lines to *out (plus one summary line with the totals when there were more)
// and returns the number of difference lines appended.
struct TableRows {
  std::vector<std::string> columns;
  SqlRows rows;
};
size_t diff_table_rows(const std::string& table_label, const TableRows& a, const TableRows& b,
                       const std::vector<size_t>& key_columns, size_t budget, std::string* out);

}  // namespace galaxis::testing
