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
// Threading: run() once, from one thread; request_stop() and the metrics
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

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
  std::chrono::milliseconds target_initial_backoff{500};
  std::chrono::milliseconds target_max_backoff{std::chrono::seconds(30)};
  // Consecutive failed target reconnects before giving up; 0 = never.
  unsigned target_max_attempts = 0;
  // Ends (returns) when the master has nothing more instead of waiting (tests, benchmarks).
  bool stop_at_end = false;
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, RelayMetrics& metrics);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void run();
  void request_stop();
  bool stop_requested() const { return stop_; }

 private:
  struct Session;
  // Returns true when the applier asked to be replaced (a parallel
  // recovery consolidated into the serial row).
  bool run_session(sql::TransactionApplier& applier);
  std::unique_ptr<sql::TransactionApplier> connect_applier();
  StartPosition start_position(sql::TransactionApplier& applier);

  PipelineOptions options_;
  RelayMetrics& metrics_;
  std::atomic<bool> stop_{false};
  std::mutex session_mutex_;
  Session* session_ = nullptr;  // the running session, for request_stop()
  std::unique_ptr<ServerBinlogSource> source_;
  unsigned ghost_retries_ = 0;  // server_id clashes retried (see run())
  uint64_t rows_base_ = 0;      // rows of applier instances before the current one
  uint64_t commits_base_ = 0;
};

}  // namespace galaxis::relay
