// publish_pool.h (private to fsmirror/src) — a few threads that run the
// renames publishing finished files, so the next file's copy does not wait
// for the previous file's rename.
//
// Why: a rename that replaces an existing regular file on ext4 (auto_da_alloc,
// the default) starts writeback of the new file inside renameat(2): 1–3 ms
// each on this disk, mostly waiting on the block layer and the journal, not
// CPU. A 3% cycle (300 replaced files) spent most of its wall time there, one
// rename after another. Measured (bench/RESULTS.md, "#11: 3% changed"): 300
// copy+rename pairs took 0.62–1.12 s serially and 0.12–0.28 s with the renames
// on 4 threads; renameat2(RENAME_EXCHANGE) + unlink, which skips that implicit
// writeback, was no faster (0.77–1.06 s serially) and would give up the
// crash protection, so the mirror keeps plain renameat (see
// local_destination.h for the crash story).
//
// Tasks run in any order on up to kThreads threads (started on the first
// post, so a cycle that publishes nothing starts none). post() blocks while
// kMaxPending tasks wait (each holds a directory fd). The first failure is
// kept and every task queued after it is skipped; post() throws it instead of
// queueing, and drain() waits for all tasks, then throws it unless post()
// did, and clears it (the next cycle starts clean). The destructor waits for
// the queued tasks without throwing.
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

class PublishPool {
 public:
  static constexpr size_t kThreads = 4;
  static constexpr size_t kMaxPending = 64;

  PublishPool() = default;
  ~PublishPool();
  PublishPool(const PublishPool&) = delete;
  PublishPool& operator=(const PublishPool&) = delete;

  // Queues `task`; throws the kept failure instead (nothing is queued after
  // one). A task queued before a failure but not yet run is called with
  // skipped = true so it can clean up (remove its temp file) instead.
  using Task = std::function<void(bool skipped)>;
  void post(Task task);
  // Waits until every queued task has run (or was skipped); throws the kept
  // failure unless post() threw it already, and forgets it.
  void drain();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  KeptFailure failure_;
  std::vector<std::thread> threads_;
};

}  // namespace galaxis::fsmirror
