// galaxis/relay/pipeline.h — the main job: master → passive, exactly once,
// with network, decoding and applying overlapping.
//
//   reader thread:  ServerBinlogSource → ReplicationStream (decode, group)
//                   → bounded queue (queue_max_bytes, events weighed at twice
//                     their binlog size: roughly their decoded size)
//   run() thread:   queue → sql::TransactionApplier: an sql::Applier
//                   (batches, grouped commits, checkpoint in the same target
//                   transaction), or with parallel_workers > 1 an
//                   sql::ParallelApplier (epochs over several connections)
//
// Memory is bounded by the queue (plus the applier's batch): a transaction
// larger than the queue streams through it, the applier keeps its target
// transaction open and commits it whole. When the queue stays empty for
// idle_flush the applier is flushed, so an idle source means no lag.
//
// Where it starts: the applier's checkpoint (committed_position()) when the
// target has one; else options.initial — from-start (the master's first
// binlog), from-now (the master's current position, written to the
// checkpoint at once so a restart does not skip what came in between), or
// snapshot (the caller copies a snapshot first, which leaves a checkpoint;
// finding none is an error).
//
// Failures: the stream reconnects to the source by itself (kNetwork). A
// retryable target failure (lost connection, server shutting down, deadlock
// or lock wait timeout) stops the reader, rebuilds the applier on a new
// connection with capped exponential backoff, and resumes the stream from
// the applier's committed position: nothing is lost or applied twice. Any
// other error (purged position, auth, corrupt event, an SQL error) is
// recorded in the metrics and thrown from run() after the open target
// transaction was rolled back (complete source transactions already handed
// to the applier are committed first when the failure was on the source).
//
// One applier per stream: the target connection takes the named lock
// "galaxis-relay:<schema>.<stream>" (GET_LOCK, sql/stream_lock.h) before
// reading the checkpoint and holds it for its lifetime, so a relay restarted
// after a crash waits until the server has finished its predecessor's last
// batch, and a second relay on the same stream stops with a clear error.
//
// Parallel: parallel_workers > 1 applies with sql::ParallelApplier. A
// serial run (1) that finds the worker checkpoint rows of an earlier
// parallel run first finishes that run's last epoch with a ParallelApplier
// and moves the position to the serial row, then continues serially.
//
// Stopping: request_stop() (any thread, e.g. a signal watcher) makes run()
// finish the source transaction being applied if its events are all here,
// else roll it back; it commits the complete ones and returns normally.
//
// Seams: the pipeline is built from PipelineParts — its BinlogSource, a
// factory of TransactionAppliers, the master's current position (from-now)
// and a Clock for its waits. Pipeline(options, metrics) wires the real ones
// (server_pipeline_parts(), pipeline_wiring.h); unit tests pass a replay
// source, a fake applier and a FakeClock (tests/unit/relay/pipeline_test.cc).
// Retry waits use the one RetryPolicy (common/retry.h) and end at once on
// request_stop() (StopSignal), never by polling.
//
// Threading: run() once, from one thread; request_stop() and the metrics
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "galaxis/common/clock.h"
#include "galaxis/common/retry.h"
#include "galaxis/common/stop_signal.h"
#include "galaxis/common/url.h"
#include "galaxis/relay/metrics.h"
#include "galaxis/relay/replication_stream.h"
#include "galaxis/relay/server_binlog_source.h"
#include "galaxis/sql/applier.h"
#include "galaxis/sql/transaction_applier.h"

namespace galaxis::relay {

enum class InitialPosition { kFromStart, kFromNow, kSnapshot };
// "from-start" | "from-now" | "snapshot"; Error(kUsage) otherwise.
InitialPosition parse_initial_position(std::string_view text);

struct PipelineOptions {
  ServerSourceOptions source;  // url with password; heartbeat period also bounds stop latency
  ConnectionUrl target;        // with password
  sql::ApplierOptions applier;
  // Target connections applying in parallel (sql/parallel_applier.h); 1 = serial.
  size_t parallel_workers = 1;
  InitialPosition initial = InitialPosition::kFromStart;
  size_t queue_max_bytes = 32u << 20;  // counted as 128 + 2 x binlog size per event
  std::chrono::milliseconds idle_flush{2};
  // A group older than this is committed as soon as the queue is empty after
  // a source commit (caught up with the master: caught_up_flush.h); during a
  // backlog groups keep growing to applier.group_max_*. 0 = after every
  // commit that empties the queue.
  std::chrono::milliseconds caught_up_flush{20};
  // Target reconnects: 500 ms doubling to 30 s; max_attempts = consecutive
  // failed target reconnects before giving up, 0 = never.
  RetryPolicy target_retry;
  // Ends (returns) when the master has nothing more instead of waiting (tests, benchmarks).
  bool stop_at_end = false;
};

// A new applier on fresh target connection(s); called at the start and
// after each retryable target failure. give_up() turns true when a stop was
// requested (for waits inside, e.g. for the stream lock).
using ApplierFactory = std::function<std::unique_ptr<sql::TransactionApplier>(const std::function<bool()>& give_up)>;

struct PipelineParts {
  // One source for all sessions (re-opened at each session's start position):
  // after its first open a ServerBinlogSource no longer takes our own
  // lingering registration for another replica with our server_id.
  std::unique_ptr<BinlogSource> source;
  ApplierFactory connect_applier;
  // The master's current position, for --initial from-now.
  std::function<binlog::BinlogPosition()> master_position;
  Clock* clock = nullptr;  // nullptr: steady_clock()
};

class Pipeline {
 public:
  // Against real servers: server_pipeline_parts(options) (pipeline_wiring.h).
  Pipeline(PipelineOptions options, RelayMetrics& metrics);
  Pipeline(PipelineOptions options, RelayMetrics& metrics, PipelineParts parts);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void run();
  void request_stop();
  bool stop_requested() const { return stop_.stop_requested(); }

 private:
  struct Session;
  class Progress;
  enum class SessionEnd { kDone, kReplaceApplier };

  SessionEnd run_session(sql::TransactionApplier& applier);
  std::unique_ptr<Session> start_session(sql::TransactionApplier& applier);
  SessionEnd apply_queue(sql::TransactionApplier& applier, Session& session);
  // After a failed session: throws when the error is final, else waits (backoff) and returns.
  void recover_or_throw(Error& e, Backoff& backoff);
  StartPosition start_position(sql::TransactionApplier& applier);

  PipelineOptions options_;
  RelayMetrics& metrics_;
  PipelineParts parts_;
  Clock& clock_;
  StopSignal stop_;
  std::mutex session_mutex_;
  Session* session_ = nullptr;  // the running session, for request_stop()
  unsigned ghost_retries_ = 0;  // server_id clashes retried (see recover_or_throw())
  uint64_t rows_base_ = 0;      // rows of applier instances before the current one
  uint64_t commits_base_ = 0;
};

}  // namespace galaxis::relay
