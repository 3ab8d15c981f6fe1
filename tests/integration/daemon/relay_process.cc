#include "relay_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "galaxis/common/error.h"

namespace galaxis::testing {

RelayProcess::RelayProcess(std::vector<std::string> args, std::string log_path) : log_path_(std::move(log_path)) {
  std::vector<std::string> argv_strings;
  argv_strings.push_back(GALAXIS_BINARY);
  for (auto& a : args) argv_strings.push_back(std::move(a));
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw_error(Error::Kind::kIo, "open {}", log_path_);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw_error(Error::Kind::kRuntime, "fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fd, 1);
    dup2(fd, 2);
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) dup2(null_in, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(fd);
}

RelayProcess::~RelayProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(30);
  }
}

void RelayProcess::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> RelayProcess::wait(unsigned timeout_seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (!status_) {
    int raw = 0;
    const pid_t r = waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -WTERMSIG(raw);
      break;
    }
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

bool RelayProcess::running() { return !wait(0).has_value(); }

std::string RelayProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::pair<int, std::string> http_get(uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw_error(Error::Kind::kNetwork, "connect 127.0.0.1:{} failed", port);
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw_error(Error::Kind::kNetwork, "send failed");
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody": only the status code and the body are needed.
  int code = 0;
  if (response.size() > 12) code = std::stoi(response.substr(9, 3));
  const auto body_at = response.find("\r\n\r\n");
  return {code, body_at == std::string::npos ? "" : response.substr(body_at + 4)};
}

}  // namespace galaxis::testing
