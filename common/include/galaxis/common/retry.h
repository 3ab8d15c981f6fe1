// galaxis/common/retry.h — the one retry/backoff policy of galaxis-relay.
//
// RetryPolicy says how a loop retries: the first delay, the factor each
// further failure multiplies it by, the cap, optional jitter (a random
// fraction taken off each delay, so many clients do not retry in step), and
// when to give up (max_attempts consecutive failures and/or max_elapsed since
// the first of them; 0 = never). Backoff is one loop's state under a policy:
//
//   Backoff backoff(policy, clock);
//   while (true) {
//     try { work(); backoff.reset(); ... }          // progress: start over
//     catch (Error& e) {
//       if (!retryable(e)) throw;
//       auto delay = backoff.next_delay();           // counts the failure
//       if (!delay) { e.add_context(backoff.gave_up_reason()); throw; }
//       backoff.wait(*delay, &stop);                 // through the Clock
//     }
//   }
//
// Delays: attempt n (1-based) waits min(max_delay, initial × multiplier^(n-1)),
// less jitter × that × U[0,1). Waiting goes through a Clock (clock.h), so a
// test with a FakeClock runs the loop without sleeping, and through an
// optional StopSignal, so a shutdown ends the wait at once.
//
// Users: ReplicationStream (source reconnects), Pipeline (target
// reconnects), `binlog dump --stop-never` (cli/src/binlog_remote.cc), the
// sync's chunk writer (deadlock retries). Not thread-safe (one loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "galaxis/common/clock.h"
#include "galaxis/common/stop_signal.h"

namespace galaxis {

struct RetryPolicy {
  std::chrono::milliseconds initial_delay{500};
  double multiplier = 2;
  std::chrono::milliseconds max_delay{std::chrono::seconds(30)};
  double jitter = 0;                         // 0..1: fraction of each delay that may be taken off at random
  unsigned max_attempts = 0;                 // consecutive failures retried before giving up; 0 = no limit
  std::chrono::milliseconds max_elapsed{0};  // give up when the next wait would end later than this after
                                             // the first failure; 0 = no limit

  // The delay before retry number `attempt` (1-based), without jitter.
  std::chrono::milliseconds delay_for(unsigned attempt) const;
};

class Backoff {
 public:
  explicit Backoff(RetryPolicy policy, Clock& clock = steady_clock(), uint64_t jitter_seed = 0);

  // Counts a failure. Returns the delay to wait before the next attempt, or
  // std::nullopt when the policy gives up (see gave_up_reason()).
  std::optional<std::chrono::milliseconds> next_delay();
  // Waits through the clock; ends early when `stop` is set.
  void wait(std::chrono::milliseconds delay, const StopSignal* stop = nullptr);
  // The loop made progress: the next failure is attempt 1 again.
  void reset();

  unsigned attempts() const { return attempts_; }
  const RetryPolicy& policy() const { return policy_; }
  // "giving up after 3 attempts" / "giving up after 60000 ms"; for error context.
  std::string gave_up_reason() const;

 private:
  RetryPolicy policy_;
  Clock& clock_;
  unsigned attempts_ = 0;
  Clock::time_point first_failure_{};
  bool by_time_ = false;
  uint64_t random_;
};

}  // namespace galaxis
