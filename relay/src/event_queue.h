// relay/src/event_queue.h (private) — the bounded hand-off between the
// pipeline's reader thread and its applier thread.
//
// Items are source transaction markers and decoded events. The queue is
// bounded by the items' byte weight (binlog size of the events): push()
// waits while the queue is over its limit, except that one item always fits
// into an empty queue (so any event size passes). close() wakes everyone:
// push() then returns false and pop() drains what is left, then returns
// nullopt. Thread-safe (one producer, one consumer intended).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "galaxis/binlog/events.h"
#include "galaxis/relay/replication_stream.h"

namespace galaxis::relay::detail {

struct QueueItem {
  enum class Kind { kBegin, kEvent, kCommit, kAbort, kEnd, kError };
  Kind kind = Kind::kEnd;
  TransactionInfo transaction;           // kBegin, kCommit
  std::unique_ptr<binlog::Event> event;  // kEvent
  std::string file;                      // kEvent: where it is, for messages
  uint64_t offset = 0;
  std::exception_ptr error;  // kError
  size_t weight = 64;
};

class EventQueue {
 public:
  explicit EventQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

  bool push(QueueItem item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.empty() || bytes_ + item.weight <= max_bytes_; });
    if (closed_) return false;
    bytes_ += item.weight;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Waits up to `timeout`; nullopt on timeout or when closed and drained.
  std::optional<QueueItem> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
    if (items_.empty()) return std::nullopt;
    QueueItem item = std::move(items_.front());
    items_.pop_front();
    bytes_ -= item.weight;
    not_full_.notify_one();
    return item;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<QueueItem> items_;
  size_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace galaxis::relay::detail
