// system_versioning.h (internal to sql/src) — how row events of a MariaDB
// table WITH SYSTEM VERSIONING are applied so the passive ends equal to the
// master, history rows included, without SUPER.
//
// What the master logs (MariaDB 10.11 and 11.8, mariadb-binlog -vv):
//   INSERT  Write_rows of the new row: row_start = statement time, row_end = MAX
//   UPDATE  per row: Update_rows (before: the current row — with MINIMAL
//           images only its key and ROW END —; after: the new
//           values, row_start = statement time) followed by a Write_rows of
//           the history row (the before image with row_end = that time)
//   DELETE  Update_rows setting row_end = statement time (no Delete_rows)
//   DELETE HISTORY  Delete_rows of history rows
//   INSERT with system_versioning_insert_history=1: Write_rows as given
// (MAX is 2038-01-19 03:14:07.999999 before MariaDB 11.5, 2106-02-07
// 06:28:15.999999 after; a transaction-id period ends at 2^64-1.)
//
// How the applier replays them (statement_builder.cc):
//   Write_rows     INSERT naming row_start/row_end, under SET STATEMENT
//                  system_versioning_insert_history=1 (10.11+, needs no
//                  privilege while secure_timestamp=NO, the default); a
//                  current row's row_end is DEFAULT (the target's own MAX)
//   Update_rows    current → current: UPDATE under SET STATEMENT
//                  timestamp=<after row_start>: the target versions the row
//                  itself with the master's time, writing the same history
//                  row; the master's logged history row for it is then
//                  skipped (HistoryExpectations); current → ended: DELETE
//                  under SET STATEMENT timestamp=<after row_end>
//   Delete_rows    Error(kUnsupported): DELETE HISTORY cannot be replayed
//                  row by row (it has no WHERE); run it on the passive
// Transaction-id versioning: MariaDB logs DML on such tables as statements
// even with binlog_format=ROW (checked on 10.11), which the applier refuses
// with Error(kUnsupported) naming the reason. Should row events for one
// arrive, the ids are InnoDB's own and cannot be written: current rows get
// the master's user columns, history rows come from the target's own
// versioning, the master's logged history rows are skipped.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "galaxis/binlog/rows.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql::versioning {

// Whether a row_end value is the open end of a current row (any version's MAX).
bool is_current(const binlog::Value& row_end);

// "1700000001.500000" for SET STATEMENT timestamp=...; throws
// Error(kUnsupported) for a value that is no TIMESTAMP.
std::string timestamp_seconds(const binlog::Value& value, const TableSchema& schema);

// A value of the image at target column `column`, or nullptr when absent.
const binlog::Value* value_at(const binlog::RowImage& image, const std::vector<size_t>& map, size_t column);

// Identity of a history row: the table, the applier key's values and ROW END
// (every non-hash column for a table without a key), with ROW END replaced
// by *row_end when given.
std::string fingerprint(const TableSchema& schema, const binlog::RowImage& image, const std::vector<size_t>& map,
                        const binlog::Value* row_end);

// History rows the target writes itself while replaying an UPDATE, so the
// master's logged copy of each is skipped once (StatementBatch keeps the
// deque). The master logs each right after its update, so few are
// outstanding; the oldest are dropped past kMaxPending (a missed skip would
// show as a duplicate history row, never as a lost one).
inline constexpr size_t kMaxPending = 4096;
void expect_history(std::deque<std::string>* pending, std::string fingerprint);
// True (and forgotten) when the fingerprint was expected.
bool take_history(std::deque<std::string>* pending, const std::string& fingerprint);

}  // namespace galaxis::sql::versioning
