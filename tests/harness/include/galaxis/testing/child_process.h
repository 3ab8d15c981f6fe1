// galaxis/testing/child_process.h — one child process of a test: the relay
// CLI (`run`, `deploy serve`, `role serve`, ...) started with an argv, its
// stdout + stderr appended to a log file, signalled, waited for with a
// timeout, killed and reaped by the destructor when still running.
//
// Secrets never go in argv: a child reads its passwords from the environment
// it inherits. The child gets SIGKILL when the test process dies
// (PR_SET_PDEATHSIG), so it never outlives a crashed test binary. Waiting
// blocks on a pidfd (no polling). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace galaxis::testing {

class ChildProcess {
 public:
  // Starts argv[0] (an absolute path) with argv; output appended to log_path.
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();  // SIGKILL + reap when still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends `sig` unless the child has already been reaped.
  void signal(int sig);
  // Exit code (-signal when killed by one), nullopt when still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running() { return !wait(std::chrono::milliseconds(0)).has_value(); }
  pid_t pid() const { return pid_; }
  // Everything the child wrote so far.
  std::string log() const;

 private:
  pid_t pid_ = 0;
  std::optional<int> status_;
  std::string log_path_;
};

// GALAXIS_BINARY (the relay CLI under test) followed by `args`.
#ifdef GALAXIS_BINARY
inline std::vector<std::string> relay_argv(std::vector<std::string> args) {
  args.insert(args.begin(), GALAXIS_BINARY);
  return args;
}
#endif

}  // namespace galaxis::testing
