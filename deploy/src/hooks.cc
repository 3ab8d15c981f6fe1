#include "hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "galaxis/common/error.h"

extern char** environ;

namespace galaxis::deploy::detail {

namespace {
constexpr size_t kTail = 4096;
}

HookRun run_hook(const std::string& stage, const std::string& command, const std::string& cwd,
                 const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds timeout) {
  HookRun run;
  run.stage = stage;
  run.command = command;
  const auto started = std::chrono::steady_clock::now();
  // Everything the child needs is built before fork().
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    bool overridden = false;
    for (const auto& [k, v] : env) overridden |= std::strncmp(*e, (k + "=").c_str(), k.size() + 1) == 0;
    overridden |= std::strncmp(*e, "PWD=", 4) == 0;
    if (!overridden) env_strings.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  // The logical directory (".../current", not the release it points to), for
  // hooks that record paths.
  env_strings.push_back("PWD=" + cwd);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_error(Error::Kind::kIo, "hook pipe: {}", std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw_error(Error::Kind::kRuntime, "fork for hook '{}': {}", command, std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // The serving process blocks SIGTERM/SIGINT for its signal thread; the
    // mask and ignored signals survive exec, so reset them for the hook.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the deployer is already gone
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  const auto deadline = started + timeout;
  std::string output;
  int status = 0;
  bool exited = false;
  bool open = true;
  char buffer[8192];
  while (open) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      run.timed_out = true;
      break;
    }
    // Once the shell has exited, drain only what is already there: a
    // background child holding the pipe must not keep the deploy waiting.
    const int wait_ms =
        exited ? 0
               : static_cast<int>(std::min<int64_t>(
                     100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1));
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready > 0) {
      const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n > 0) {
        output.append(buffer, static_cast<size_t>(n));
        if (output.size() > 4 * kTail) output.erase(0, output.size() - kTail);
        continue;
      }
      if (n == 0 || errno != EINTR) open = false;
    } else if (ready == 0 && exited) {
      break;
    }
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
  }
  ::close(fds[0]);
  // Output closed but the shell still runs: wait for it, still bounded.
  while (!exited && !run.timed_out) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      exited = true;
    } else if (std::chrono::steady_clock::now() >= deadline) {
      run.timed_out = true;
    } else {
      ::usleep(5000);
    }
  }
  if (run.timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  if (!exited) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (output.size() > kTail) output.erase(0, output.size() - kTail);
  run.output_tail = std::move(output);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

}  // namespace galaxis::deploy::detail
