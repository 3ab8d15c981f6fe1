// TaskPool (task_pool.h).
#include "task_pool.h"

#include <exception>

namespace galaxis::fsmirror {

TaskPool::~TaskPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (std::thread& t : threads_) t.join();  // runs what is queued first
}

void TaskPool::post(Task task) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < max_pending_ || failure_.has(); });
  if (failure_.has()) failure_.throw_on_post();
  enqueue(std::move(task));
}

void TaskPool::post_or_skip(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.has()) return enqueue(std::move(task));
  }
  task(true);  // outside the lock: it may post again
}

void TaskPool::enqueue(Task task) {
  queue_.push_back(std::move(task));
  if (threads_.size() < max_threads_ && threads_.size() < queue_.size() + running_) {
    threads_.emplace_back([this] { run(); });
  }
  cv_.notify_all();
}

void TaskPool::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  // Every task queued before the failure has been skipped by now: the pool is
  // usable again (the --serve side answers many cycles of one --watch
  // session), and a failure already thrown by post() is not thrown twice.
  failure_.take_at_drain();
}

void TaskPool::wait() noexcept {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
}

void TaskPool::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    Task task;
    if (order_ == Order::kNewestFirst) {
      task = std::move(queue_.back());
      queue_.pop_back();
    } else {
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool skip = failure_.has();
    ++running_;
    lock.unlock();
    std::optional<Error> error;
    try {
      task(skip);
    } catch (const Error& e) {
      error = e;
    } catch (const std::exception& e) {
      error = Error(Error::Kind::kRuntime, e.what());
    }
    task = nullptr;  // releases what it captured (directory fds) outside the lock
    lock.lock();
    --running_;
    failure_.keep(std::move(error));
    cv_.notify_all();
  }
}

}  // namespace galaxis::fsmirror
