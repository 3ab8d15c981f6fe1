#include "sshd_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "deploy_support.h"

namespace galaxis::testing {

namespace {

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Sshd::Sshd(const std::filesystem::path& dir) : dir_(dir) {
  std::filesystem::create_directories(dir_);
  std::filesystem::create_directories("/run/sshd");  // privilege separation directory
  const std::string d = dir_.string();
  sh("ssh-keygen -q -t ed25519 -N '' -f " + d + "/host_key && ssh-keygen -q -t ed25519 -N '' -f " + d +
     "/wrong_host_key && ssh-keygen -q -t ed25519 -N '' -f " + d + "/user_key && ssh-keygen -q -t ed25519 -N '' -f " +
     d + "/other_key && cp " + d + "/user_key.pub " + d + "/authorized_keys");
  port_ = free_port();
  const std::string host = "[127.0.0.1]:" + std::to_string(port_) + " ";
  std::ofstream(dir_ / "known_hosts") << host << read_text(dir_ / "host_key.pub");
  std::ofstream(dir_ / "wrong_known_hosts") << host << read_text(dir_ / "wrong_host_key.pub");
  std::ofstream(dir_ / "sshd_config") << "Port " << port_ << "\nListenAddress 127.0.0.1\nHostKey " << d
                                      << "/host_key\nPidFile " << d << "/sshd.pid\nAuthorizedKeysFile " << d
                                      << "/authorized_keys\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                                         "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                                         "PubkeyAuthentication yes\nLogLevel ERROR\n";
  const std::string config = (dir_ / "sshd_config").string();
  const std::string log = (dir_ / "sshd.log").string();
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork sshd");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", config.c_str(), "-E", log.c_str(), nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 500 && !accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!accepts(port_)) throw std::runtime_error("sshd did not start: " + read_text(log));
}

Sshd::~Sshd() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string Sshd::url(const std::filesystem::path& path) const {
  return "ssh://root@127.0.0.1:" + std::to_string(port_) + path.string();
}

}  // namespace galaxis::testing
