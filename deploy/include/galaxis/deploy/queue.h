// galaxis/deploy/queue.h — one deploy running, at most one pending.
//
// push() never blocks (the webhook answers 202 at once). A worker thread
// runs `run(triggers)`: while a run is going, every push folds into the one
// pending run, which starts when the current one ends and deploys the tip
// it fetches then — so N pushes during a run cost one more run and lose
// nothing. `run` must not throw (errors belong in its result/history); a
// throw is logged. The destructor lets the current run finish and drops
// the pending one (the next `deploy now` catches it).
//
// `nice` (> 0) lowers the worker thread's CPU priority (setpriority on its
// thread id; the hooks it starts inherit it): runs back to back under a
// burst of pushes must not take the CPU from the thread answering them
// (bench/deploy: p99 of the webhook answer), nor from the PHP workers the
// server is there for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "galaxis/deploy/webhook.h"

namespace galaxis::deploy {

class DeployQueue {
 public:
  using Run = std::function<void(const std::vector<Trigger>&)>;
  explicit DeployQueue(Run run, int nice = 0);
  ~DeployQueue();
  DeployQueue(const DeployQueue&) = delete;
  DeployQueue& operator=(const DeployQueue&) = delete;

  void push(Trigger trigger);

  struct State {
    bool running = false;
    size_t pending = 0;  // triggers folded into the next run
    uint64_t runs = 0;   // runs started
    uint64_t received = 0;
  };
  State state() const;

 private:
  void work();

  Run run_;
  int nice_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Trigger> pending_;
  State state_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace galaxis::deploy
