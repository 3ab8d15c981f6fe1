// galaxis/sql/sync/checksum.h — compare a table on source and target
// without copying it, and repair only the rows that differ.
//
// Chunks: the source (snapshot connection) names chunk boundaries every
// `chunk_rows` keys (SELECT key ... LIMIT 1 OFFSET n-1); the first chunk is
// open below, the last open above, so target rows outside the source's key
// range are compared too. Per chunk both servers compute
//   SELECT COUNT(*), BIT_XOR(<row hash>) ... WHERE <key range>
// (table.h: CRC32 of the canonical row encoding) — the target's query runs
// on a second thread at the same time as the source's. Equal chunks are
// done; for a differing chunk both sides list (key, row hash) in the range
// and the lists are compared by key bytes: rows only on the source are
// missing, only on the target extra, with different hashes changed.
// Repair (unless dry_run), in one target transaction per chunk: DELETE the
// extra rows by key first (so a key that differs only in case or trailing
// spaces under the column's collation is replaced, not duplicated), then
// INSERT the missing and changed rows read from the snapshot with ON
// DUPLICATE KEY UPDATE of every column (no DELETE of changed rows: that
// would fire ON DELETE CASCADE). The target session has foreign_key_checks=0
// and the applier's trigger guard set.
//
// Tables without a key: one whole-table checksum; when it differs, both
// sides' rows are read in full and compared as multisets (warning first
// when the table has more than keyless_warn_rows rows); extra rows are
// deleted one at a time by a byte-exact match on every column (LIMIT 1),
// missing rows inserted. "changed" is always 0 there.
//
// Adaptive: when most recent chunks differed (changes spread thinly over the
// whole table, e.g. 1% of rows), the chunk checksum only costs an extra pass,
// so the (key, hash) lists are read directly until chunks come out equal
// again (at least half of the last 16 chunks differing).
//
// CRC32 per row: a changed row goes unnoticed with probability 2^-32.
//
// Not thread-safe; borrows both connections (the source must hold the
// snapshot, see snapshot.h; the target must not be written by anyone else
// during the compare).
#pragma once

#include <cstdint>
#include <optional>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/sync.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

struct ChecksumOptions {
  uint64_t chunk_rows = 1000;
  bool dry_run = false;
  uint64_t keyless_warn_rows = 100000;
  uint64_t repair_batch = 500;  // keys per DELETE / source look-up
};

class ChecksumComparer {
 public:
  ChecksumComparer(Connection& source, Connection& target, ChecksumOptions options);

  // Whole table. Adds to *differences (its `table` is set by the caller).
  void compare_table(const SyncTable& table, TableDifferences* differences);
  // Keys in (lower, upper] only (keyed tables).
  void compare_range(const SyncTable& table, const std::optional<KeyValue>& lower, const std::optional<KeyValue>& upper,
                     TableDifferences* differences);

  uint64_t chunks_compared() const { return chunks_compared_; }
  uint64_t chunks_differing() const { return chunks_differing_; }
  uint64_t rows_repaired() const { return rows_repaired_; }

 private:
  void compare_keyless(const SyncTable& table, TableDifferences* differences);
  void repair_rows(const SyncTable& table, const std::vector<KeyValue>& extra, const std::vector<KeyValue>& fetch);
  // Sends a repair batch (it starts its transaction), checks its warnings
  // (checked_write.h), then commits; rolls back and rethrows on any error.
  void send_repair(const std::string& sql, const SyncTable& table);
  std::string upsert_suffix(const SyncTable& table) const;

  Connection& source_;
  Connection& target_;
  ChecksumOptions options_;
  uint64_t chunks_compared_ = 0;
  uint64_t chunks_differing_ = 0;
  uint64_t rows_repaired_ = 0;
  uint32_t recent_ = 0;  // bit i: the i-th most recent chunk differed
  unsigned recent_count_ = 0;
};

}  // namespace galaxis::sql::sync
