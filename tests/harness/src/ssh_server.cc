// The throw-away sshd (ssh_server.h).
#include "galaxis/testing/ssh_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/testing/server.h"
#include "process.h"

namespace galaxis::testing {
namespace {

void run_or_throw(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw_error(Error::Kind::kRuntime, "ssh test server: '{}' failed", command);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

bool accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

SshServer::SshServer() {
  char tmpl[] = "/tmp/gx-sshd-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw_error(Error::Kind::kRuntime, "mkdtemp for sshd failed");
  dir_ = tmpl;
  ::mkdir("/run/sshd", 0755);  // sshd's privilege separation directory
  for (const char* key : {"host_key", "user_key", "other_key"}) {
    run_or_throw("ssh-keygen -q -t ed25519 -N '' -C gx-test -f " + dir_ + "/" + key);
  }
  run_or_throw("ssh-keygen -q -t rsa -b 2048 -N '' -C gx-test-rsa -f " + dir_ + "/rsa_key");
  run_or_throw("ssh-keygen -q -t ed25519 -N '' -C gx-wrong -f " + dir_ + "/wrong_host_key");
  {
    std::ofstream keys(dir_ + "/authorized_keys");
    keys << slurp(dir_ + "/user_key.pub") << slurp(dir_ + "/rsa_key.pub");
  }
  port_ = free_loopback_port();
  const std::string name = "[127.0.0.1]:" + std::to_string(port_);
  auto host_line = [&](const std::string& pub) {
    std::istringstream in(slurp(pub));
    std::string type, key;
    in >> type >> key;
    return name + " " + type + " " + key + "\n";
  };
  std::ofstream(dir_ + "/known_hosts") << host_line(dir_ + "/host_key.pub");
  std::ofstream(dir_ + "/known_hosts.wrong") << host_line(dir_ + "/wrong_host_key.pub");
  std::ofstream(dir_ + "/known_hosts.empty") << "";
  std::ofstream(dir_ + "/sshd_config") << "ListenAddress 127.0.0.1\n"
                                       << "HostKey " << dir_ << "/host_key\n"
                                       << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
                                       << "PidFile " << dir_ << "/sshd.pid\n"
                                       << "StrictModes no\nPasswordAuthentication no\n"
                                       << "KbdInteractiveAuthentication no\nUsePAM no\n"
                                       << "PermitRootLogin prohibit-password\n"
                                       // libssh2 1.10 signs RSA only with ssh-rsa: allow it so that the
                                       // client-side refusal is what the RSA test sees.
                                       << "PubkeyAcceptedAlgorithms +ssh-rsa\n"
                                       << "LogLevel ERROR\nMaxStartups 100\n"
                                       // Bash sources ~/.bashrc when sshd starts it for a command, but only
                                       // at SHLVL < 2. This machine's root .bashrc runs `pyenv init`
                                       // (1-5 s per session under load), which made every ssh session of the
                                       // tests that slow; a test's remote command must not depend on the
                                       // user's rc files anyway. SHLVL=1 makes the session's bash level 2.
                                       << "SetEnv SHLVL=1\n";
  pid_ = internal::spawn({"/usr/sbin/sshd", "-D", "-e", "-f", dir_ + "/sshd_config", "-p", std::to_string(port_)},
                         dir_ + "/sshd.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts(port_)) {
    if (internal::has_exited(pid_) || std::chrono::steady_clock::now() > deadline) {
      throw_error(Error::Kind::kRuntime, "sshd did not start on port {}: {}", port_, slurp(dir_ + "/sshd.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

SshServer::~SshServer() {
  if (pid_ > 0) internal::terminate(pid_, std::chrono::seconds(5));
  if (std::system(("rm -rf '" + dir_ + "'").c_str()) != 0) {
    // Best effort: a leftover folder under /tmp harms nothing.
  }
}

std::string SshServer::user() const {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::string SshServer::url(const std::string& path) const {
  return "ssh://" + user() + "@127.0.0.1:" + std::to_string(port_) + path;
}

SshServer& shared_ssh_server() {
  static std::unique_ptr<SshServer> server = std::make_unique<SshServer>();
  return *server;
}

}  // namespace galaxis::testing
