// galaxis/sql/sync/sync.h — the fallback: a consistent chunked copy of the
// source onto the target, or a checksum compare that repairs only what
// differs, each ending with the checkpoint set to the source position the
// result is consistent with, so `galaxis-relay run` streams on from there
// with nothing lost and nothing doubled.
//
// Module galaxis::sync (sql/sync/, README "Layout"): this header is its
// facade for the CLI (run_sync, run_snapshot_copy[_if_needed]); the other headers in
// galaxis/sql/sync/ are its parts. It sits above the applier and uses only
// galaxis::sql's public headers (connection, filter, schema cache,
// checkpoint); the applier never includes it.
//
// Consistency (docs in sql/sync/src/run.cc's header comment and docs/sync.md):
//   * One source connection holds a consistent-snapshot transaction for the
//     whole run (snapshot.h) and does every source read; the target writes
//     run on --threads connections in parallel. So every row read is from
//     the one snapshot position S.
//   * copy: tables are created on the target, rows copied in key ranges
//     ("chunks"); each chunk's rows and its resume mark (resume_state.h)
//     commit in one target transaction. Resuming after a crash takes a new
//     snapshot S2, copies the chunks not done, verifies (checksum-repairs)
//     the chunks that were done under the old snapshot, and checkpoints S2.
//   * checksum: the relay must be stopped (its checkpoint does not move
//     during the run: checked at start and end). Target rows of the selected
//     tables are compared with the snapshot and repaired to equal it; then
//     the checkpoint is set to S. Changes between the relay's old
//     checkpoint P and S are part of the snapshot, so streaming from S
//     neither misses nor doubles them.
//
// Thread-safety: run_sync() starts and joins its own threads; call it from
// one thread. Errors: galaxis::Error naming the table/chunk; Kind kAuth for
// missing privileges (the message says which), kUnsupported for a source
// that cannot give a consistent position, kRuntime for layout mismatches.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/binlog/position.h"
#include "galaxis/common/url.h"
#include "galaxis/sql/filter.h"

namespace galaxis::sql::sync {

enum class SyncMode { kCopy, kChecksum };

struct SyncOptions {
  ConnectionUrl source;
  ConnectionUrl target;  // unused with out_dir
  SyncMode mode = SyncMode::kCopy;
  FilterOptions filter;
  std::string stream = "default";  // the checkpoint row `run` uses
  std::string checkpoint_schema = "galaxis_relay";
  unsigned threads = 2;                               // target writer connections
  uint64_t chunk_rows = 10000;                        // rows per chunk (upper bound)
  uint64_t chunk_bytes = 8 << 20;                     // bytes per chunk (upper bound, from the average row length)
  uint64_t statement_bytes = 1 << 20;                 // one multi-row INSERT at most this long
  uint64_t keyless_warn_rows = 100000;                // warn before an unkeyed pass over more rows than this
  bool dry_run = false;                               // checksum: report only, change nothing
  bool drop_extra = false;                            // drop target tables the source does not have (selected dbs)
  bool write_checkpoint = true;                       // set the checkpoint at the end
  std::string out_dir;                                // copy into dump files instead of a target
  std::string in_dir;                                 // restore dump files onto the target
  std::chrono::milliseconds progress_interval{2000};  // 0: no progress lines
};

struct TableDifferences {
  std::string table;     // `db`.`t` on the source
  uint64_t missing = 0;  // rows on the source only
  uint64_t extra = 0;    // rows on the target only
  uint64_t changed = 0;  // same key, different values
  bool table_missing = false;
  bool table_extra = false;  // on the target only
  uint64_t total() const { return missing + extra + changed + (table_missing ? 1 : 0) + (table_extra ? 1 : 0); }
};

struct SyncResult {
  binlog::BinlogPosition position;  // the snapshot position (and checkpoint)
  uint64_t tables = 0;
  uint64_t rows_copied = 0;
  uint64_t chunks_copied = 0;
  uint64_t chunks_resumed = 0;  // chunks found done from an earlier run
  uint64_t chunks_compared = 0;
  uint64_t chunks_differing = 0;
  std::vector<TableDifferences> differences;  // checksum mode: tables with differences
  bool resumed = false;
  double seconds = 0;
  bool any_difference() const { return !differences.empty(); }
};

// Runs `options.mode` end to end (see the header comment).
SyncResult run_sync(const SyncOptions& options);

// For `run --initial snapshot`: a full copy (resuming an interrupted one),
// checkpoint written; returns the position to stream from.
binlog::BinlogPosition run_snapshot_copy(const SyncOptions& options);

// What `run --initial snapshot` calls before it streams: when the stream has
// no checkpoint on the target yet, or a copy of this stream was interrupted,
// runs run_snapshot_copy() and returns its position; otherwise (streaming
// already has a position) does nothing and returns nullopt.
std::optional<binlog::BinlogPosition> run_snapshot_copy_if_needed(const SyncOptions& options);

}  // namespace galaxis::sql::sync
