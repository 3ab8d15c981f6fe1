// galaxis/sql/write_set.h — which rows a source transaction writes, as
// 64-bit tokens, so the parallel applier (parallel_applier.h) can tell
// transactions that may run on different target connections from those that
// must run in source order on one.
//
// Contract (conservative: a false conflict only costs parallelism, a missed
// one can reorder two writes to the same row or unique value):
//   Two source transactions whose row changes could touch the same target
//   row, the same unique-key value, or interact through a foreign key or a
//   trigger have intersecting token sets, or at least one of them is a
//   barrier.
//
// Tokens of one row change (before and after image alike):
//   - per unique key of the target table (PRIMARY and every UNIQUE index)
//     whose columns are all present and non-NULL in the image: a hash of
//     (target db, table, key name, the key's values in a canonical form).
//     Values of character columns compare under their collation on the
//     server ('abc' = 'ABC ' under a _ci PAD SPACE collation), so a key with
//     a character column of a non-binary collation gives a table-wide token
//     instead (all such changes of that table conflict with each other).
//   - a table-wide token hash(db, table) when the table has no usable key,
//     or a key column is absent from the image (MINIMAL/NOBLOB images).
//   - one shared token for every table with a foreign key (either side):
//     cascades and checks cross tables.
// A transaction is a barrier (runs alone, after everything before it is
// committed) when it holds anything other than row events and the
// BEGIN/COMMIT/SAVEPOINT/ROLLBACK TO queries (DDL, statement DML), touches a
// table with unguarded triggers (they may write anywhere) or a
// non-transactional table, or a table whose schema is unknown.
//
// Pure computation on decoded events and TableSchema; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "galaxis/binlog/rows.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

struct WriteSet {
  std::vector<uint64_t> tokens;  // sorted and unique after finish()
  bool barrier = false;
  std::string barrier_reason;  // for logs: "DDL", "table db.t has unguarded triggers", ...

  void add(uint64_t token) { tokens.push_back(token); }
  void make_barrier(std::string reason);
  // Sorts and removes duplicates; call before intersects().
  void finish();
  // Whether the two finished sets share a token.
  bool intersects(const WriteSet& other) const;
};

// Adds the tokens of every row change of `rows` on `table` (the target
// table's schema; database/table names already mapped by --rename-db).
void add_row_tokens(const binlog::RowsEvent& rows, const TableSchema& table, WriteSet& into);

}  // namespace galaxis::sql
