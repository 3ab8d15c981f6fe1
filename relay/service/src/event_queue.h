// relay/service/src/event_queue.h (private) — the bounded hand-off between the
// pipeline's reader thread and its applier thread.
//
// Items are source transaction markers and decoded events. The queue is
// bounded by the items' byte weight (binlog size of the events): push()
// waits while the queue is over its limit, except that one item always fits
// into an empty queue (so any event size passes). close() wakes everyone:
// push() then returns false and pop() drains what is left, then returns
// nullopt. wake() ends the consumer's wait early. Thread-safe for one
// producer thread and one consumer thread (pop() keeps a batch of its own);
// bytes(), wake() and close() from any thread.
#pragma once

#include <atomic>
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

// Everything but a decoded event's pointer and position lives in `marker`,
// allocated only for the per-transaction items: an event item is five words,
// so pushing, popping and destroying one costs a few instructions (with the
// transaction, file name and error inline it was six strings moved twice and
// destroyed per event, ~750 instructions: callgrind, bench/RESULTS.md).
struct QueueMarker {
  TransactionInfo transaction;  // kBegin, kCommit
  std::string file;             // kEvent whose file is not its transaction's begin.file
  std::exception_ptr error;     // kError
  // kCommit: when the reader decoded it (steady) and the system clock's
  // second then (ApplyDelayWatch).
  std::chrono::steady_clock::time_point received{};
  int64_t received_unix_s = 0;
};

struct QueueItem {
  enum class Kind { kBegin, kEvent, kCommit, kAbort, kEnd, kError };
  Kind kind = Kind::kEnd;
  std::unique_ptr<binlog::Event> event;  // kEvent
  uint64_t offset = 0;                   // kEvent: where it is, for messages
  size_t weight = 64;
  std::unique_ptr<QueueMarker> marker;  // see QueueMarker

  QueueMarker& mark() {
    if (!marker) marker = std::make_unique<QueueMarker>();
    return *marker;
  }
};

class EventQueue {
 public:
  explicit EventQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

  bool push(QueueItem item) {
    std::unique_lock lock(mutex_);
    if (!has_room(item.weight)) {
      producer_waiting_ = true;
      not_full_.wait(lock, [&] { return closed_ || has_room(item.weight); });
      producer_waiting_ = false;
    }
    if (closed_) return false;
    bytes_ += item.weight;
    items_.push_back(std::move(item));
    if (consumer_waiting_) not_empty_.notify_one();
    return true;
  }

  // Waits up to `timeout`; nullopt on timeout or when closed and drained.
  // Takes everything queued at once into a consumer-side batch, so the
  // consumer locks once per batch, not once per event: with one lock per
  // item the two threads spent a third of their time handing the mutex back
  // and forth (futex wake-ups, seen with perf on a 2.2M-event catch-up).
  std::optional<QueueItem> pop(std::chrono::milliseconds timeout) {
    if (batch_.empty()) {
      std::unique_lock lock(mutex_);
      if (items_.empty() && !closed_ && !woken_) {
        consumer_waiting_ = true;
        not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty() || woken_; });
        consumer_waiting_ = false;
      }
      woken_ = false;
      if (items_.empty()) return std::nullopt;
      batch_.swap(items_);
    }
    QueueItem item = std::move(batch_.front());
    batch_.pop_front();
    // The weight stays counted until the item leaves the batch, so the
    // bound covers both. The producer is woken only when it waits for room.
    bytes_ -= item.weight;
    if (producer_waiting_) {
      std::lock_guard lock(mutex_);
      not_full_.notify_one();
    }
    return item;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  // Makes the consumer's current or next pop() return at once (nullopt when
  // nothing is queued), e.g. to see a stop request without waiting out its
  // timeout. Sticky until that pop(): a wake before the wait is not lost.
  void wake() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  size_t bytes() const { return bytes_; }
  // True while push() waits for room (tests synchronise on it instead of
  // sleeping and hoping the producer got there).
  bool producer_waiting() const { return producer_waiting_; }

 private:
  // One item always fits into an empty queue (so any event size passes).
  bool has_room(size_t weight) const { return closed_ || bytes_ == 0 || bytes_ + weight <= max_bytes_; }

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<QueueItem> items_;  // guarded by mutex_
  std::deque<QueueItem> batch_;  // the consumer's, taken from items_
  // Weight of items_ and batch_. Atomic (seq_cst) with the waiting flags:
  // the consumer decrements it and then reads producer_waiting_; the
  // producer sets the flag under the mutex before re-checking the room, so
  // either it sees the new weight or the consumer sees the flag and wakes it.
  std::atomic<size_t> bytes_{0};
  std::atomic<bool> producer_waiting_{false};
  bool consumer_waiting_ = false;  // guarded by mutex_
  bool closed_ = false;            // guarded by mutex_
  bool woken_ = false;             // guarded by mutex_
};

}  // namespace galaxis::relay::detail
