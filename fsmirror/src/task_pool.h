// task_pool.h (private to fsmirror/src) — a few threads that run independent
// tasks and hand the first failure back once. Three users:
//  - the cycle's file copies (mirror.cc): each changed file is copied,
//    checked and published by one task, start to end on one thread, so two
//    cores share a cycle's copies and no file's steps wait on another thread;
//  - LocalDestination's renames that replace an existing file
//    (local_destination.cc): on ext4 (auto_da_alloc, the default) such a
//    rename starts writeback of the new file and frees the old one's blocks
//    inside renameat(2), 0.2–3 ms of mostly waiting, so the next copy should
//    not wait for it;
//  - the tree scan (scan.cc), one task per directory, newest first.
//
// Tasks run in any order on up to `threads` threads (started as tasks come,
// so a pool that gets none starts none). post() blocks while `max_pending`
// tasks wait. The first failure is kept and every task queued after it is
// called with skipped = true (so it can clean up, e.g. remove its temp file);
// post() throws it instead of queueing, and drain() waits for all tasks, then
// throws it unless post() did, and clears it (the next cycle starts clean).
// post() and drain() may be called from any thread. A task must not drain
// its own pool, and may queue on it only with post_or_skip() and only when
// max_pending is unbounded (the tree scan: a directory's task queues its
// subdirectories), else a full queue would wait for itself. The destructor
// waits for the queued tasks without throwing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "galaxis/common/error.h"
#include "kept_failure.h"

namespace galaxis::fsmirror {

class TaskPool {
 public:
  // kNewestFirst: the last task posted runs next (a stack): the tree scan
  // uses it to stay near its depth-first walk.
  enum class Order { kOldestFirst, kNewestFirst };
  TaskPool(size_t threads, size_t max_pending, Order order = Order::kOldestFirst)
      : max_threads_(threads), max_pending_(max_pending), order_(order) {}
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  using Task = std::function<void(bool skipped)>;
  // Queues `task`; throws the kept failure instead (nothing is queued after one).
  void post(Task task);
  // For a task queueing more work on its own pool (unbounded max_pending):
  // queues `task`, or after a failure calls it at once with skipped = true
  // and leaves the failure for drain() (post() would mark it reported, and
  // the throw would only end up back in the pool).
  void post_or_skip(Task task);
  // Waits until every queued task has run (or was skipped); throws the kept
  // failure unless post() threw it already, and forgets it.
  void drain();
  // Waits like drain() but neither throws nor forgets the kept failure: for
  // a caller unwinding from an error while tasks may still use its state.
  void wait() noexcept;

 private:
  void enqueue(Task task);  // with mu_ held: queues, starts a thread if one is wanted
  void run();

  const size_t max_threads_;
  const size_t max_pending_;
  const Order order_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  KeptFailure failure_;
  std::vector<std::thread> threads_;
};

}  // namespace galaxis::fsmirror
