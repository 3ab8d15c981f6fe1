// galaxis/common/clock.h — time as a dependency: what retry loops and timers
// read and wait on, so tests run them without sleeping.
//
// Clock::now() is a steady (monotonic) time; sleep_for() waits `delay`, or
// returns early when the given StopSignal is (or becomes) set. steady_clock()
// is the real one. FakeClock (tests) never sleeps: sleep_for() moves its time
// forward by the delay, records the delay and runs an optional hook (a test
// can request a stop "during" the wait).
//
// Thread-safe (FakeClock too: the pipeline's reader and applier threads may
// both wait on one clock).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "galaxis/common/stop_signal.h"

namespace galaxis {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Waits `delay`; ends early when `stop` (optional) is set.
  virtual void sleep_for(duration delay, const StopSignal* stop = nullptr) = 0;
};

// The process's real monotonic clock.
Clock& steady_clock();

class FakeClock : public Clock {
 public:
  time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_for(duration delay, const StopSignal* stop = nullptr) override {
    std::function<void(duration)> hook;
    {
      std::lock_guard lock(mutex_);
      if (stop != nullptr && stop->stop_requested()) return;
      now_ += delay;
      sleeps_.push_back(delay);
      hook = on_sleep_;
    }
    if (hook) hook(delay);
  }
  void advance(duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }
  // Runs after each sleep_for() (outside the clock's lock).
  void set_on_sleep(std::function<void(duration)> hook) {
    std::lock_guard lock(mutex_);
    on_sleep_ = std::move(hook);
  }
  std::vector<duration> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  mutable std::mutex mutex_;
  time_point now_{};
  std::vector<duration> sleeps_;
  std::function<void(duration)> on_sleep_;
};

}  // namespace galaxis
