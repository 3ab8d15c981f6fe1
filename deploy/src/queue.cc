#include "galaxis/deploy/queue.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "galaxis/common/log.h"

namespace galaxis::deploy {

DeployQueue::DeployQueue(Run run, int nice) : run_(std::move(run)), nice_(nice), worker_([this] { work(); }) {}

DeployQueue::~DeployQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void DeployQueue::push(Trigger trigger) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(trigger));
    // Bounded: the run only needs to know who asked; keep the last 100.
    if (pending_.size() > 100) pending_.erase(pending_.begin());
    state_.pending = pending_.size();
    ++state_.received;
  }
  wake_.notify_one();
}

DeployQueue::State DeployQueue::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void DeployQueue::work() {
  // Linux: nice is per thread (setpriority on the thread id). Only this
  // worker (and the hooks it starts) yields; the I/O thread stays at the
  // process's priority.
  if (nice_ != 0 && ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice_) != 0)
    log::warn("deploy: could not lower the worker's priority: {}", std::strerror(errno));
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    std::vector<Trigger> batch;
    batch.swap(pending_);
    state_.pending = 0;
    state_.running = true;
    ++state_.runs;
    lock.unlock();
    try {
      run_(batch);
    } catch (const std::exception& e) {
      log::error("deploy: run failed: {}", e.what());
    }
    lock.lock();
    state_.running = false;
  }
}

}  // namespace galaxis::deploy
