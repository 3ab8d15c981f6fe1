// sql/src/apply_worker.h (private) — one worker of the parallel applier: a
// thread that owns an Applier on its own target connection and runs the
// coordinator's tasks in order.
//
// The coordinator (parallel_applier.cc) posts tasks; the worker runs them.
// After a task throws, the worker keeps the first error (and the target
// errno behind it) and skips every further task except rollback, so the
// coordinator can rethrow it at its next call. wait_idle() returns when
// every posted task has run. Thread-safe between one coordinator and the
// worker thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "galaxis/sql/applier.h"

namespace galaxis::sql {

struct ApplyWorkerTask {
  enum class Kind { kTransaction, kBegin, kEvent, kCommit, kAbort, kControl, kCommitEpoch, kRollback, kForgetSchemas };
  Kind kind = Kind::kTransaction;
  std::vector<std::unique_ptr<binlog::Event>> events;  // kTransaction: all its events; kEvent, kControl: one
  binlog::BinlogPosition position;                     // kTransaction, kCommit: its end; kCommitEpoch: the epoch end
  size_t bytes = 0;                                    // binlog bytes of the events (queue bound)
};

class ApplyWorker {
 public:
  using Task = ApplyWorkerTask;

  // `name` is "worker k/N", for messages. The Applier is built on the
  // caller's thread (it reads the worker's checkpoint row).
  ApplyWorker(std::string name, std::unique_ptr<Applier> applier);
  ~ApplyWorker();
  ApplyWorker(const ApplyWorker&) = delete;
  ApplyWorker& operator=(const ApplyWorker&) = delete;

  void post(Task task);
  // Several at once (one wake-up).
  void post_all(std::vector<Task>& tasks);
  void wait_idle();
  // Every posted task has run (no wait).
  bool idle_now() const;
  // Waits until the queued tasks hold at most `bytes` (streaming a huge
  // transaction: the coordinator must not run ahead of the target).
  void wait_queue_below(size_t bytes);
  // The first error since the last rollback (an Error carries the target's
  // server errno in its fields).
  std::exception_ptr error() const;
  // Whether error() would return one: inline, for the coordinator's check
  // before every event (error() is a call and an exception_ptr per worker).
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // The Applier's statistics after the last task.
  ApplierStats stats() const;
  // Idle workers only (after wait_idle()).
  Applier& applier() { return *applier_; }

 private:
  void run();
  void execute(Task& task);

  const std::string name_;
  std::unique_ptr<Applier> applier_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Task> tasks_;
  size_t queued_bytes_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  // error_ is set: error() is called per event by the coordinator and
  // locked the mutex of every worker each time (perf: ~5% of the relay).
  std::atomic<bool> failed_{false};
  // Posted tasks not yet run to the end: idle_now() without the mutex (it
  // is asked at every source commit while an epoch commits).
  std::atomic<size_t> outstanding_{0};
  ApplierStats stats_;
  std::thread thread_;
};

}  // namespace galaxis::sql
