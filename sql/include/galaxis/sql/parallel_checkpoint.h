// galaxis/sql/parallel_checkpoint.h — the checkpoint rows of a stream
// applied in parallel, and what a restart makes of them.
//
// Worker k (1-based) of N writes the row "<stream>#k/N" of the checkpoint
// table (checkpoint.h) in every epoch commit, so at any moment the rows are
// all at the last epoch end E, or some at E and the rest at the previous
// epoch end S (a crash in the middle of an epoch commit). The serial
// applier's row is "<stream>" (the plain row).
//
// plan_recovery() reads such a set of rows:
//   no worker rows            → clean, from the plain row (possibly no position)
//   worker rows all equal     → clean, from that position
//   worker rows at S < E      → a partial epoch: resume from S, end at E.
//     Which kind is told by the commit order (parallel_applier.h):
//     worker 1 at E (others at S) → a parallel epoch: worker 1 commits
//                               first; replay the shares of the workers at S
//     worker 1 at S (others at E) → a single-worker epoch (also a barrier
//                               or a streamed transaction): worker 1 commits
//                               last; replay all of (S, E] on worker 1
//   anything else (three positions, a missing or extra worker row, mixed N,
//   a plain row with a position beside worker rows) → Error(kCorrupt)
//   naming the rows.
// Pure; the I/O helpers use the caller's connection. Thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "galaxis/binlog/position.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {

struct CheckpointRow {
  std::string stream;                              // "<stream>" or "<stream>#k/N"
  std::optional<binlog::BinlogPosition> position;  // nullopt: never committed
  bool ddl_pending = false;
  bool operator==(const CheckpointRow&) const = default;
};

// "<stream>#k/N" (k 1-based); Error(kUsage) when it would not fit VARCHAR(64).
std::string worker_stream_name(const std::string& stream, size_t k, size_t n);
// {k, N} when `name` is a worker row of `stream`.
std::optional<std::pair<size_t, size_t>> parse_worker_stream_name(const std::string& stream, const std::string& name);

// a < b in binlog order (file index, then offset); nullopt is before everything.
bool position_before(const std::optional<binlog::BinlogPosition>& a, const std::optional<binlog::BinlogPosition>& b);

struct RecoveryPlan {
  size_t workers = 0;                               // N of the worker rows; 0: there are none
  std::optional<binlog::BinlogPosition> start;      // where the stream resumes (S, or the clean position)
  std::optional<binlog::BinlogPosition> epoch_end;  // E of a partial epoch; nullopt when clean
  std::vector<bool> replay;                         // per worker (partial epoch): its share must be applied
  bool single_worker = false;      // partial epoch: all of it was on worker 1 (replay == {true, false, ...})
  std::vector<bool> ddl_pending;   // per worker
  bool plain_ddl_pending = false;  // the plain row's flag (no worker rows)
  bool partial() const { return epoch_end.has_value(); }
  bool any_ddl_pending() const;
};

RecoveryPlan plan_recovery(const std::vector<CheckpointRow>& rows, const std::string& stream);

// Every row of the stream: the plain row and the worker rows (any N).
std::vector<CheckpointRow> load_stream_rows(Connection& connection, const std::string& schema,
                                            const std::string& stream);
// Whether any worker row of the stream exists (false when the table does not).
bool worker_rows_exist(Connection& connection, const std::string& schema, const std::string& stream);
// In one transaction: deletes every row of the stream (plain and workers)
// and inserts `rows`.
void replace_stream_rows(Connection& connection, const std::string& schema, const std::string& stream,
                         const std::vector<CheckpointRow>& rows);
// The rows for N workers all at `position` (ddl_pending on worker 1, which
// runs barriers, when asked).
std::vector<CheckpointRow> worker_rows_at(const std::string& stream, size_t n,
                                          const std::optional<binlog::BinlogPosition>& position, bool ddl_pending);

}  // namespace galaxis::sql
