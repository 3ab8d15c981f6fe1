#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "galaxis/common/error.h"
#include "galaxis/testing/server.h"

namespace galaxis::testing {

namespace internal {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child, after fork: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);  // parent already gone
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv);
  const char* msg = "exec failed: ";
  (void)!write(2, msg, strlen(msg));
  (void)!write(2, argv[0], strlen(argv[0]));
  (void)!write(2, "\n", 1);
  _exit(127);
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path) {
  std::vector<char*> args = c_argv(argv);
  const int out = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw_error(Error::Kind::kIo, "open {}: {}", output_path, std::strerror(errno));
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    exec_child(args.data(), parent);
  }
  const int fork_errno = errno;
  close(out);
  close(in);
  if (pid < 0) throw_error(Error::Kind::kRuntime, "fork for {}: {}", argv[0], std::strerror(fork_errno));
  return pid;
}

bool has_exited(pid_t pid, int* status) {
  int st = 0;
  const pid_t r = waitpid(pid, &st, WNOHANG);
  if (r == pid || (r < 0 && errno == ECHILD)) {
    if (status != nullptr) *status = st;
    return true;
  }
  return false;
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  if (has_exited(pid, status)) return true;
  // A pidfd becomes readable when the child exits: no polling interval.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) return has_exited(pid, status);  // already reaped by someone else
    throw_error(Error::Kind::kRuntime, "pidfd_open({}): {}", pid, std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd ready{pidfd, POLLIN, 0};
    const int r = poll(&ready, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (has_exited(pid, status)) {
      close(pidfd);
      return true;
    }
    if (r == 0 || std::chrono::steady_clock::now() >= deadline) {
      close(pidfd);
      return false;
    }
  }
}

void terminate(pid_t pid, std::chrono::milliseconds grace) {
  if (has_exited(pid)) return;
  kill(pid, SIGTERM);
  if (wait_for_exit(pid, grace)) return;
  kill(pid, SIGKILL);
  wait_for_exit(pid, std::chrono::seconds(30));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace internal

ProcessResult run_process(const std::vector<std::string>& argv, unsigned timeout_seconds,
                          const std::string& stdin_data) {
  if (argv.empty()) throw_error(Error::Kind::kUsage, "run_process: empty argv");
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw_error(Error::Kind::kRuntime, "pipe: {}", std::strerror(errno));
  }
  std::vector<char*> args = internal::c_argv(argv);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    internal::exec_child(args.data(), parent);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(in_pipe[1]);
    throw_error(Error::Kind::kRuntime, "fork for {}: {}", argv[0], std::strerror(errno));
  }
  // SIGPIPE on writing stdin to a child that ignores it must not kill us.
  signal(SIGPIPE, SIG_IGN);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (stdin_data.empty()) {
    close(in_pipe[1]);
    in_pipe[1] = -1;
  }

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool out_open = true;
  bool err_open = true;
  bool timed_out = false;
  char buf[65536];
  while (out_open || err_open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    if (!out_open) fds[0].fd = -1;
    if (!err_open) fds[1].fd = -1;
    const int r = poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          (i == 0 ? out_open : err_open) = false;
        }
      }
    }
    if (in_pipe[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = write(in_pipe[1], stdin_data.data() + written, stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = stdin_data.size();
      if (written >= stdin_data.size()) {
        close(in_pipe[1]);
        in_pipe[1] = -1;
      }
    }
  }
  if (in_pipe[1] >= 0) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  if (timed_out) {
    kill(pid, SIGKILL);
    internal::wait_for_exit(pid, std::chrono::seconds(10));
    throw_error(Error::Kind::kRuntime, "{} did not finish within {} s (killed); stderr: {}", argv[0], timeout_seconds,
                result.err.substr(0, 2000));
  }
  int status = 0;
  if (!internal::wait_for_exit(pid, std::chrono::seconds(timeout_seconds), &status)) {
    kill(pid, SIGKILL);
    internal::wait_for_exit(pid, std::chrono::seconds(10));
    throw_error(Error::Kind::kRuntime, "{} closed its output but did not exit within {} s (killed)", argv[0],
                timeout_seconds);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace galaxis::testing
