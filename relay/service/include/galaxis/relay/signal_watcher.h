// galaxis/relay/signal_watcher.h — SIGTERM/SIGINT taken on a thread of its own.
//
// The daemon blocks the signals (block_stop_signals()) in its main thread
// before it creates any thread, so every thread inherits the mask and the
// kernel keeps a SIGTERM pending until this watcher takes it with sigwait():
// no signal handler runs at all, so nothing has to be async-signal-safe, and
// the callback may lock, log and notify condition variables (StopSignal).
// The watcher blocks in sigwait() without a timeout (no polling); its
// destructor wakes it by sending SIGTERM to that thread alone
// (pthread_kill) after marking it done.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace galaxis::relay {

// SIGTERM and SIGINT.
sigset_t stop_signals();
// Blocks stop_signals() in the calling thread (inherited by threads it starts later).
void block_stop_signals();

class SignalWatcher {
 public:
  // Blocks stop_signals() in the calling thread too (the watcher inherits
  // the mask; threads started earlier must have blocked them already).
  // on_signal runs on the watcher thread with the signal number, once per signal.
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::function<void(int)> on_signal_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace galaxis::relay
