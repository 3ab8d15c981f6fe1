// caught_up_flush.h — when the pipeline commits a group early because the
// relay has caught up with the master.
//
// The applier keeps its target transaction open across source transactions
// for up to group_max_delay (200 ms) or group_max_transactions, so a backlog
// is applied in few, large commits (and folded, with compaction). When the
// relay is caught up — the queue is empty right after a source
// transaction's commit, so nothing received is waiting — holding the group
// open only adds lag: at the master's full rate the source is never idle
// for the 2 ms idle flush, and every transaction waited up to the whole
// 200 ms (issue 15: the relay's lag p50 was 25-40 ms above a native
// replica's, its p99 0.30-0.36 s against the 0.25 s target). So a group
// that is older than `delay` is committed as soon as the queue is empty
// after a commit. During a backlog the queue is not empty (the reader is
// faster than the target) and groups keep their full size.
//
// Pure: the caller passes the facts and the time (a Clock); unit-tested in
// tests/unit/relay/caught_up_flush_test.cc.
#pragma once

#include <chrono>

#include "galaxis/common/clock.h"

namespace galaxis::relay::detail {

class CaughtUpFlush {
 public:
  CaughtUpFlush(std::chrono::milliseconds delay, Clock& clock) : delay_(delay), clock_(clock) {}

  // Called after each applier.commit(): true when the caller should flush()
  // now. `has_uncommitted`: the applier's group holds committed source
  // transactions not yet committed on the target; `queue_empty`: nothing
  // received waits in the queue.
  bool after_commit(bool has_uncommitted, bool queue_empty) {
    if (!has_uncommitted) {  // the applier committed the group itself
      in_group_ = false;
      return false;
    }
    const Clock::time_point now = clock_.now();
    if (!in_group_) {
      in_group_ = true;
      group_started_ = now;
    }
    if (!queue_empty || now - group_started_ < delay_) return false;
    in_group_ = false;
    return true;
  }

  // The caller flushed for another reason (idle source, stop).
  void flushed() { in_group_ = false; }

 private:
  std::chrono::milliseconds delay_;
  Clock& clock_;
  bool in_group_ = false;
  Clock::time_point group_started_{};
};

}  // namespace galaxis::relay::detail
