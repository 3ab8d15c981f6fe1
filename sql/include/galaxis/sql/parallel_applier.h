// galaxis/sql/parallel_applier.h — applies source transactions on several
// target connections at once, exactly once.
//
// A coordinator (the caller's thread) and N workers, each a thread owning an
// Applier (applier.h) on its own target connection in READ COMMITTED.
//
// Epochs. The coordinator buffers one source transaction (begin…commit),
// computes its write set (write_set.h) with a SchemaCache on its own
// connection and the Applier's filter and renames, and routes it inside the
// current epoch — a run of consecutive source transactions — with
// EpochRouter (epoch_router.h). A parallel epoch routes over workers 2..N
// (worker 1 holds no rows in it, see the commit order): to the one worker
// already holding one of its tokens in this epoch, else to the worker with
// the fewest rows. A single-worker epoch sends everything to worker 1. A
// transaction conflicting with two workers ends a parallel epoch first; so
// does a
// barrier (DDL, statement DML, unguarded triggers, non-transactional or
// unknown tables, …), which then runs alone on worker 1 as an epoch of its
// own. Epochs also end at the epoch_max_* bounds and on flush().
//
// Adaptive mode (epoch_mode kAdaptive, the default). When keys are hot,
// conflicts end parallel epochs every few dozen transactions: each costs a
// commit on every worker and compaction folds little in tiny groups. When
// the last adaptive_window parallel epochs ended by conflict averaged fewer
// than single_below_transactions, the next epochs are single-worker ones
// (ended only by the size/time bounds and barriers: large groups, good
// folding); after single_probe_epochs of those, parallel epochs are probed
// again. Switches are logged at debug level and counted (epoch_cuts()).
//
// Ending an epoch at E (the end of its last transaction) tells every worker
// — also those with nothing in it — to commit its open target transaction
// with its own checkpoint row "<stream>#k/N" set to E (Applier::
// commit_epoch). An epoch ended by a conflict or a size/time bound is
// pipelined: the coordinator routes the next epoch while the workers commit
// (it keeps the next epoch's transactions until every commit of the previous
// one is done, so no row of epoch e+1 is written before e committed
// everywhere); flush(), barriers and huge transactions wait for the commits.
// Workers never commit on their own. The
// order tells recovery which kind of epoch it was (no schema change needed):
//   parallel epoch (rows on workers 2..N): worker 1 commits its empty share
//     first; the others, in parallel, once that succeeded. Worker 1 holds no
//     row locks, so it never waits for another worker: one extra commit
//     round trip (an fsync with durable settings) per parallel epoch, which
//     overlaps the others still applying their shares.
//   single-worker epoch (also a barrier or a streamed transaction, alone on
//     worker 1): workers 2..N commit their empty shares first, worker 1 last.
// So the rows are always all at E, or some at E and the rest at the
// previous epoch end S; committed_position() is the last E all committed.
//
// Recovery (constructor): after the coordinator took the stream's named lock
// (stream_lock.h) and waited for the locks of the previous workers, the rows
// are read (parallel_checkpoint.h). Clean rows (one position, or only the
// plain row of a serial run) are rewritten for the configured N in one
// transaction. A partial epoch (rows at S and E) resumes from S with the old
// N. Worker 1 at E: a parallel epoch; the transactions of (S, E] are routed
// exactly as the first time (the routing is deterministic; no size or time
// cut), only the shares of the workers whose row is at S are applied, the
// others' dropped. Worker 1 at S: a single-worker epoch; all of (S, E] is
// applied on worker 1. Either way the epoch ends exactly at E; then, if N
// changed, the rows are rewritten for the new N at E. Anything else is
// Error(kCorrupt) naming the rows. (Rows left by a crash of a version
// before this commit order, worker 1 at S in a parallel epoch, would be
// misread: stop such a relay cleanly before upgrading.)
//
// Huge transactions: once a transaction's buffered events exceed
// stream_transaction_bytes/rows, the epoch ends and the transaction streams
// to worker 1 as an epoch of its own (what is buffered first, the rest as it
// arrives), with the coordinator waiting whenever worker 1's queue holds
// more than stream_transaction_bytes: memory stays bounded.
//
// Errors: a worker's error is rethrown by the coordinator's next call
// (begin/apply/commit/flush), carrying its server errno (Error fields);
// rollback() rolls back every worker. Then drop the object and build a new
// one, which recovers from the rows.
//
// Not thread-safe: one caller thread (the workers are internal).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/sql/applier.h"
#include "galaxis/sql/epoch_router.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/schema_cache.h"
#include "galaxis/sql/transaction_applier.h"
#include "galaxis/sql/write_set.h"

namespace galaxis::sql {

class ApplyWorker;
struct ApplyWorkerTask;

struct ParallelApplierOptions {
  // Per worker: stream (the base name of the rows), schema, filter, batch
  // sizes, compaction. Its group_max_* are replaced: epochs decide commits.
  ApplierOptions applier;
  size_t workers = 4;
  size_t epoch_max_transactions = 8000;
  size_t epoch_max_rows = 40000;
  size_t epoch_max_bytes = 32 << 20;  // binlog bytes
  std::chrono::milliseconds epoch_max_delay{200};
  // A transaction larger than this streams to worker 1 alone.
  size_t stream_transaction_bytes = 8 << 20;
  size_t stream_transaction_rows = 20000;
  // A barrier that changes no schema (non-transactional tables, unguarded
  // triggers, MINIMAL images without the key) joins an epoch whose
  // transactions are all on worker 1 instead of running as an epoch of its
  // own, up to this many per epoch (0: never). The price: a crash before
  // that epoch's commit re-applies up to this many transactions' MyISAM/Aria
  // rows (they cannot roll back), where an epoch of its own re-applies one.
  size_t join_barriers_max = 100;
  // Workers send their statements once they hold this much (the target
  // works while the coordinator routes); the coordinator hands transactions
  // over in bunches of up to handoff_transactions (fewer thread wake-ups).
  size_t worker_batch_bytes = 256 << 10;
  size_t handoff_transactions = 32;
  // An epoch ended by a conflict or a bound commits while the next one is
  // routed (above; issue 15). Off: the coordinator waits for every commit.
  bool pipeline_epoch_commits = true;
  // --parallel 1 finding worker rows: recover (with their N), then move the
  // position to the plain row and report consolidated().
  bool consolidate_to_serial = false;
  // Asked while waiting for a named lock: give up early (stop requested).
  std::function<bool()> give_up_waiting;
  // Adaptive single-worker epochs (see above); kParallel / kSingle pin a mode.
  enum class EpochMode { kAdaptive, kParallel, kSingle };
  EpochMode epoch_mode = EpochMode::kAdaptive;
  size_t adaptive_window = 4;
  size_t single_below_transactions = 400;
  size_t single_probe_epochs = 16;
  // Test only: at the first epoch end, only the first k workers in the
  // epoch's commit order commit (parallel: 1, 2, …, N; single-worker:
  // 2, …, N, 1), then Error(kRuntime) — a crash in the middle of an epoch
  // commit.
  std::optional<size_t> fail_after_worker_commits;
};

class ParallelApplier : public TransactionApplier {
 public:
  // Opens N + 1 connections with `connect` (each called on this thread).
  ParallelApplier(std::function<Connection()> connect, ParallelApplierOptions options);
  ~ParallelApplier() override;
  ParallelApplier(const ParallelApplier&) = delete;
  ParallelApplier& operator=(const ParallelApplier&) = delete;

  const std::optional<binlog::BinlogPosition>& committed_position() const override { return committed_; }
  void observe_control_event(const binlog::Event& event) override;
  void begin() override;
  void apply(const binlog::Event& event) override;
  void apply(std::unique_ptr<binlog::Event> event) override;
  void commit(const binlog::BinlogPosition& end) override;
  void abort() override;
  void flush() override;
  void rollback() noexcept override;

  bool in_transaction() const override { return in_trx_; }
  bool has_uncommitted() const override { return !router_.empty() || recovery_.has_value() || in_flight_.has_value(); }
  size_t uncommitted_transactions() const override {
    return router_.transactions() + (in_flight_ ? in_flight_->transactions : 0);
  }
  ApplierStats total_stats() const override;
  void record_start_position(const binlog::BinlogPosition& start) override;

  // Workers now (during a partial-epoch recovery: the old N).
  size_t workers() const { return workers_.size(); }
  // Still replaying a partial epoch (committed_position() is its start).
  bool recovering() const { return recovery_.has_value(); }
  // consolidate_to_serial: the position is in the plain row now; use a serial Applier.
  bool consolidated() const { return consolidated_; }
  bool wants_replacement() const override { return consolidated_; }
  uint64_t epochs() const { return epochs_; }
  // Why epochs ended: a transaction conflicting with two workers, a
  // barrier, a size/time bound, flush() (idle source), a huge transaction.
  struct EpochCuts {
    uint64_t conflict = 0, barrier = 0, bounds = 0, flush = 0, streaming = 0;
    uint64_t single_worker_epochs = 0;        // epochs run in single-worker mode
    uint64_t to_single = 0, to_parallel = 0;  // adaptive mode switches
    uint64_t widest = 0;                      // most workers that held transactions in one epoch
  };
  // The mode of the next epochs (adaptive: the current decision).
  bool single_worker_mode() const { return router_.mode() == EpochRouter::Mode::kSingle; }
  const EpochCuts& epoch_cuts() const { return cuts_; }

 private:
  void build_workers(size_t n);
  void retire_workers();
  void check_workers();
  void add_to_write_set(const binlog::Event& event);
  void start_streaming();
  void forward(size_t worker, std::unique_ptr<binlog::Event> event);
  bool forwards_to(size_t worker) const;
  void dispatch(size_t worker, const binlog::BinlogPosition& end);
  void hand_over(size_t worker);
  void hand_over_all();
  // An epoch whose commits are posted, not yet seen done (pipelined end).
  struct InFlight {
    binlog::BinlogPosition end;
    size_t transactions = 0, rows = 0;
    bool parallel = false;
    std::vector<size_t> per_worker;
    std::chrono::steady_clock::time_point opened, commit_started;
  };
  void log_slow_epoch(const InFlight& epoch) const;
  // Posts the epoch's commits (order above). wait: also waits for them;
  // else the epoch is in flight until settle().
  void end_epoch(bool wait = true);
  // The epoch in flight: when its commits are done (wait: waits for them),
  // committed_ moves to its end and the next epoch's routed transactions
  // are handed over. False: not done yet (wait = false only).
  bool settle(bool wait);
  // After an epoch ended by a conflict or a bound: the adaptive decision.
  void adapt(bool conflict_cut, size_t transactions);
  EpochRouter::Mode steady_mode() const;
  void finish_recovery();
  [[noreturn]] void recovery_diverged(const std::string& why) const;

  std::function<Connection()> connect_;
  ParallelApplierOptions options_;
  Connection coordinator_;
  Filter filter_;
  SchemaCache schema_;
  bool trx_changes_schema_ = false;  // the buffered transaction may change a table (DDL, unknown events)
  bool joined_barrier_ = false;      // the transaction just placed is a barrier that joined the epoch
  size_t epoch_joined_barriers_ = 0;
  std::vector<std::unique_ptr<ApplyWorker>> workers_;
  std::vector<std::vector<ApplyWorkerTask>> pending_;  // per worker: routed, not yet handed over
  EpochRouter router_;
  std::optional<binlog::BinlogPosition> committed_;
  std::optional<InFlight> in_flight_;
  std::optional<RecoveryPlan> recovery_;
  bool consolidated_ = false;
  std::unique_ptr<binlog::Event> format_description_;  // replayed to rebuilt workers

  // The current epoch.
  std::optional<binlog::BinlogPosition> epoch_end_;  // end of its last transaction
  size_t epoch_bytes_ = 0;
  std::chrono::steady_clock::time_point epoch_started_;
  uint64_t epochs_ = 0;
  EpochCuts cuts_;
  bool fault_fired_ = false;
  bool single_ = false;                 // adaptive: single-worker epochs now
  std::vector<size_t> conflict_sizes_;  // adaptive: the last conflict-cut parallel epochs
  size_t single_epochs_ = 0;            // adaptive: since the switch to single

  // The current source transaction.
  bool in_trx_ = false;
  bool streaming_ = false;
  std::vector<std::unique_ptr<binlog::Event>> buffer_;
  WriteSet write_set_;
  size_t trx_rows_ = 0;
  size_t trx_bytes_ = 0;

  ApplierStats retired_stats_;  // of workers replaced after a recovery
};

}  // namespace galaxis::sql
