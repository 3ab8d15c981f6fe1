#include "galaxis/relay/signal_watcher.h"

#include <pthread.h>

#include "galaxis/common/log.h"

namespace galaxis::relay {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

void block_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  // The watcher thread must have them blocked before the destructor's pthread_kill can reach it.
  block_stop_signals();
  thread_ = std::thread([this] {
    const sigset_t signals = stop_signals();
    while (true) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (done_) return;  // the destructor's wake-up (or a signal during shutdown)
      on_signal_(signal);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  done_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);  // blocked there: pending until sigwait() takes it
  thread_.join();
}

}  // namespace galaxis::relay
