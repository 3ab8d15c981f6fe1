#include "apply_worker.h"

#include "galaxis/common/log.h"

namespace galaxis::sql {

ApplyWorker::ApplyWorker(std::string name, std::unique_ptr<Applier> applier)
    : name_(std::move(name)), applier_(std::move(applier)), stats_(applier_->stats()) {
  thread_ = std::thread([this] { run(); });
}

ApplyWorker::~ApplyWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
    queued_bytes_ = 0;
  }
  wake_.notify_all();
  idle_.notify_all();
  thread_.join();
}

void ApplyWorker::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    queued_bytes_ += task.bytes;
    tasks_.push_back(std::move(task));
    outstanding_.fetch_add(1, std::memory_order_relaxed);
  }
  wake_.notify_one();
}

void ApplyWorker::post_all(std::vector<Task>& tasks) {
  if (tasks.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (Task& task : tasks) {
      queued_bytes_ += task.bytes;
      tasks_.push_back(std::move(task));
    }
    outstanding_.fetch_add(tasks.size(), std::memory_order_relaxed);
  }
  tasks.clear();
  wake_.notify_one();
}

void ApplyWorker::wait_queue_below(size_t bytes) {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queued_bytes_ <= bytes; });
}

void ApplyWorker::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return tasks_.empty() && !busy_; });
}

bool ApplyWorker::idle_now() const { return outstanding_.load(std::memory_order_acquire) == 0; }

std::exception_ptr ApplyWorker::error() const {
  if (!failed_.load(std::memory_order_acquire)) return nullptr;  // an error set meanwhile shows at the next call
  std::lock_guard lock(mutex_);
  return error_;
}

ApplierStats ApplyWorker::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void ApplyWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    queued_bytes_ -= task.bytes;
    const bool skip = error_ && task.kind != Task::Kind::kRollback;
    busy_ = true;
    lock.unlock();
    std::exception_ptr failure;
    if (!skip) {
      try {
        execute(task);
      } catch (Error& e) {
        e.add_context(name_);
        failure = std::current_exception();
      } catch (...) {
        failure = std::current_exception();
      }
    }
    task = Task{};  // free the events outside the lock
    lock.lock();
    busy_ = false;
    if (failure && !error_) {
      error_ = failure;
      failed_.store(true, std::memory_order_release);
    }
    stats_ = applier_->stats();
    outstanding_.fetch_sub(1, std::memory_order_release);  // after error_: seen by whoever sees it idle
    idle_.notify_all();
  }
}

void ApplyWorker::execute(Task& task) {
  Applier& applier = *applier_;
  switch (task.kind) {
    case Task::Kind::kTransaction:
      applier.begin();
      for (auto& event : task.events) applier.apply(*event);
      applier.commit(task.position);
      break;
    case Task::Kind::kBegin: applier.begin(); break;
    case Task::Kind::kEvent: applier.apply(*task.events.at(0)); break;
    case Task::Kind::kCommit: applier.commit(task.position); break;
    case Task::Kind::kAbort: applier.abort(); break;
    case Task::Kind::kControl: applier.observe_control_event(*task.events.at(0)); break;
    case Task::Kind::kCommitEpoch: applier.commit_epoch(task.position); break;
    case Task::Kind::kForgetSchemas: applier.schema_cache().invalidate(); break;
    case Task::Kind::kRollback: {
      applier.rollback();
      std::lock_guard lock(mutex_);
      error_ = nullptr;
      failed_.store(false, std::memory_order_release);
      break;
    }
  }
}

}  // namespace galaxis::sql
