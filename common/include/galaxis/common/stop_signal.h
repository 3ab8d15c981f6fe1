// galaxis/common/stop_signal.h — "stop now", set once, waited on without polling.
//
// A StopSignal is a flag with a condition variable: request_stop() sets it
// and wakes every wait_for()/wait_until(), so a loop that waits for a delay
// or a period (backoff, a monitor's tick) ends at once on shutdown instead of
// sleeping in 50 ms slices and re-checking an atomic.
//
// Signal safety: request_stop() locks a mutex, so a signal handler must not
// call it. Signal handlers set an atomic or write to a pipe; the daemon
// blocks SIGTERM/SIGINT and takes them on a watcher thread with sigwait()
// (relay/src/signal_watcher.h), which may call request_stop().
//
// Thread-safe. stop_requested() is one atomic load (cheap per event).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace galaxis {

class StopSignal {
 public:
  void request_stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_.store(true);
    }
    changed_.notify_all();
  }
  bool stop_requested() const noexcept { return stopped_.load(); }

  // Wait until a stop is requested or `timeout` passed; true when stopped.
  template <typename Rep, typename Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return stopped_.load(); });
  }
  bool wait_until(std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, deadline, [&] { return stopped_.load(); });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::atomic<bool> stopped_{false};
};

}  // namespace galaxis
