// A `galaxis-relay` child process for the daemon tests: started with argv
// (passwords only in the environment it inherits), its stdout+stderr in a
// log file, killed with any signal, waited for with a timeout. Dies with the
// test process (PR_SET_PDEATHSIG). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace galaxis::testing {

class RelayProcess {
 public:
  // Starts GALAXIS_BINARY with `args`; output goes to `log_path` (appended).
  RelayProcess(std::vector<std::string> args, std::string log_path);
  ~RelayProcess();  // SIGKILL + reap when still running
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  void signal(int sig);
  // Exit code (-signal when killed by one), nullopt on timeout.
  std::optional<int> wait(unsigned timeout_seconds);
  bool running();
  pid_t pid() const { return pid_; }
  std::string log() const;

 private:
  pid_t pid_ = 0;
  std::optional<int> status_;
  std::string log_path_;
};

// GET http://127.0.0.1:port/path → (status code, body); throws on connect failure.
std::pair<int, std::string> http_get(uint16_t port, const std::string& path);

}  // namespace galaxis::testing
