// galaxis/sql/bulk_upsert.h — folded rows written by MariaDB's bulk
// execution of one prepared statement (Connector/C array binding,
// STMT_ATTR_ARRAY_SIZE): one parse and one round trip for N rows, and no
// literal text for the target to lex (issue 15; the measurement is in
// bench/RESULTS.md, the decision in sql/APPLIER.md "Bulk execution").
//
// Used by NetChanges (net_changes.h) for the final rows of a folded group —
// the multi-row INSERT … ON DUPLICATE KEY UPDATE, or the plain INSERT after
// DELETE of every touched key — when every written column is bindable:
//   integer columns (tinyint … bigint)      MYSQL_TYPE_LONGLONG, signedness
//                                           of the column (values normalised
//                                           as literal.cc does)
//   char/varchar/*text in utf8mb4/utf8mb3   MYSQL_TYPE_STRING: the bytes
//                                           arrive as character_set_client
//                                           (utf8mb4), as the _utf8mb4'…'
//                                           literal does: same conversion,
//                                           same well-formedness check
//   varbinary, *blob                        MYSQL_TYPE_STRING: stored into a
//                                           binary column unconverted
//   NULL                                    STMT_INDICATOR_NULL
// Anything else (decimal, temporal, float, enum/set/bit, fixed BINARY(n)
// padding, other charsets, UUID/INET, JSON on MySQL, …) keeps the text
// literal path. MySQL has no bulk execution: text there.
//
// Rows are held encoded (encode_bulk_value: a tag byte and the value), so a
// held row can still be written as text (append_bulk_row_literal: the same
// literal text append_literal writes) where the applier must place rows in
// the middle of a batch.
//
// Errors: Error(kServer) from the server (prepare/execute), and for any
// warning the execution left (as for every row statement: warning_check.h).
// Not thread-safe: one BulkExecutor per connection.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/binlog/value.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

// Whether values of `column` can be bound exactly (see the table above).
bool bulk_bindable(const ColumnSchema& column);

// Appends `value` encoded for `column` (bulk_bindable). False when the value
// does not fit the binding (e.g. a value above INT64_MAX for a signed
// column): the caller writes the row as text instead.
bool encode_bulk_value(std::string* out, const binlog::Value& value, const ColumnSchema& column);

// "(v1,v2,…)" of an encoded row, exactly the literals append_literal writes.
void append_bulk_row_literal(std::string* out, std::string_view encoded, const std::vector<ColumnSchema>& columns);

// One bulk execution: `sql` has one '?' per column; every row is encoded.
struct BulkRows {
  std::string table;  // `d`.`t`, for messages
  std::string sql;
  std::vector<ColumnSchema> columns;  // the written columns, in '?' order
  std::vector<std::string> rows;      // encoded
};

class BulkExecutor {
 public:
  // The server executes arrays of parameters (MariaDB ≥ 10.2 announces
  // MARIADB_CLIENT_STMT_BULK_OPERATIONS).
  static bool supported(Connection& connection);
  // Executes `rows` (prepared once per statement text, cached). Returns the
  // affected-row count the server reports.
  uint64_t execute(Connection& connection, const BulkRows& rows);
  // Forgets the prepared statements (after a rollback or a lost connection).
  void clear() { statements_.clear(); }
  uint64_t executions() const { return executions_; }

 private:
  std::map<std::string, PreparedStatement> statements_;
  uint64_t executions_ = 0;
};

}  // namespace galaxis::sql
