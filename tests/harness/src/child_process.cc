#include "galaxis/testing/child_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "process.h"

namespace galaxis::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path)
    : pid_(internal::spawn(argv, log_path)), log_path_(std::move(log_path)) {}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(30));
  }
}

void ChildProcess::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  int raw = 0;
  if (!internal::wait_for_exit(pid_, timeout, &raw)) return std::nullopt;
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
  return status_;
}

std::string ChildProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace galaxis::testing
