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
//   - per unique key of the target table (TableSchema::unique_keys: PRIMARY
//     and every UNIQUE index) whose columns are all non-NULL in the image: a
//     hash of (target db, table, key name, the key's values in a canonical
//     form that is equal for values the server considers equal: integers by
//     value whatever signedness the binlog gave, DECIMAL normalized,
//     temporal values by value, BINARY without its 0x00 padding, *_bin
//     strings without trailing spaces, ENUM/SET/BIT by number; a prefix key
//     part, UNIQUE (c(10)), by its first 10 characters, bytes for binary
//     strings). A key with a NULL part gives no token: NULLs never collide
//     in a UNIQUE index.
//   - for a key with a part in a case/accent-insensitive collation that
//     collation_fold.h knows ('abc' = 'ABC ' under a _ci PAD SPACE
//     collation): when every such part is printable ASCII, the key token
//     hashes their ASCII case fold (trailing spaces removed under PAD
//     SPACE) and the change also holds the key's *shared* token; any other
//     value gives the key's *exclusive* "any value" token instead, which
//     conflicts with that key's shared token, i.e. with every change of a
//     value of that key (and with itself). Shared tokens do not conflict
//     with each other. So rows with ASCII values parallelise; a row with
//     'É' or 'ß' is ordered against every change of the key, not of the
//     table.
//   - the table-wide token hash(db, table) instead, for a key whose equality
//     the server decides by another collation (any other non-*_bin
//     character column, and *_bin ones of
//     charsets other than utf8mb3/utf8mb4/latin1/ascii), by an expression
//     (functional key parts), by overlapping periods (WITHOUT OVERLAPS), or
//     by a JSON/GEOMETRY value; and for a row image (before or after) that
//     no key names (no unique key, or every key NULL). The table-wide token
//     conflicts only with itself, not with the table's key tokens. That is
//     sound: every change that takes or frees such a key value has the
//     value in an image (else it is a barrier, below) and so carries the
//     token too; and the change of a row before an unnamed image ended with
//     that same image, so it carries the token as well.
//   - one token per group of tables linked by foreign keys
//     (TableSchema::foreign_key_group; "" is one more group): cascades and
//     checks cross tables, but stay inside the group.
// An image that lacks a key column (binlog_row_image MINIMAL/NOBLOB) cannot
// be given a table-wide token instead: a change that frees an unknown
// unique value must conflict with every later change taking that value,
// which carries only its key token. So:
//   - an UPDATE whose after image has none of a key's columns leaves that
//     key unchanged and needs no token for it (its before image's token is
//     still added when complete);
//   - an UPDATE after image takes a missing column's value from the before
//     image (MINIMAL leaves unchanged columns out);
//   - any other missing key column makes the transaction a barrier, and so
//     does an image left unnamed by any key because a key column is
//     missing. MINIMAL images of a table whose only unique key is the
//     PRIMARY KEY do so only for an INSERT that leaves a key column to its
//     default (the before image always holds the key; AUTO_INCREMENT
//     values are logged).
// A transaction is a barrier (runs alone, after everything before it is
// committed) when it holds anything other than row events and the
// BEGIN/COMMIT/SAVEPOINT/ROLLBACK TO queries (DDL, statement DML), touches a
// table with unguarded triggers (they may write anywhere) or a
// non-transactional table, or a table whose schema is unknown. The caller
// makes those barriers that need more than the row event and its table;
// add_row_tokens makes the ones for triggers, engines, missing key columns,
// and a row event whose columns do not fit the table (the applier will
// reject it; in order, that error is the one reported).
//
// Binlog columns are matched to the table's by name when the table map
// carries names (binlog_row_metadata=FULL), else by position. TableSchema
// must describe the target table as it is when the transaction applies.
// Identifiers are folded to lower case (lower_case_table_names may make
// `T` and `t` one table; folding only merges).
//
// Pure computation on decoded events and TableSchema; no per-row heap
// allocation beyond WriteSet::tokens. Thread-compatible (add_row_tokens keeps
// per-thread scratch space).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "galaxis/binlog/rows.h"
#include "galaxis/sql/schema.h"

namespace galaxis::sql {

struct WriteSet {
  // The top bit marks a shared token (add_shared): it conflicts only with
  // the exclusive token of the same lower 63 bits, not with another shared
  // one. Every other token is exclusive (top bit clear) and conflicts with
  // itself and with its shared twin.
  static constexpr uint64_t kShared = uint64_t{1} << 63;
  static bool is_shared(uint64_t token) { return (token & kShared) != 0; }

  std::vector<uint64_t> tokens;  // sorted and unique after finish()
  bool barrier = false;
  std::string barrier_reason;  // for logs: "DDL", "table db.t has unguarded triggers", ...

  void add(uint64_t token) { tokens.push_back(token & ~kShared); }
  void add_shared(uint64_t token) { tokens.push_back(token | kShared); }
  // Keeps the first reason; later calls change nothing.
  void make_barrier(std::string reason);
  // Sorts and removes duplicates; call before intersects().
  void finish();
  // Whether the two finished sets conflict: an exclusive token in both, or
  // exclusive in one and its shared twin in the other.
  bool intersects(const WriteSet& other) const;
};

// Adds the tokens of every row change of `rows` on `table` (the target
// table's schema; database/table names already mapped by --rename-db), or
// makes `into` a barrier. Does nothing once `into` is a barrier.
void add_row_tokens(const binlog::RowsEvent& rows, const TableSchema& table, WriteSet& into);

}  // namespace galaxis::sql
