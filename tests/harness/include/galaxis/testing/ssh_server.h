// galaxis/testing/ssh_server.h — a throw-away sshd on a loopback port for
// tests of ssh:// destinations and the deploy tests' ssh:// fetches and peers
// (Debian's openssh-server, scripts/install-deps).
//
// The server gets a temp host key (ed25519), accepts public-key logins of the
// current user (root) for the ed25519 user key in its temp authorized_keys,
// listens on 127.0.0.1 only (StrictModes no, no passwords, no PAM; the
// session's bash does not source ~/.bashrc, see SetEnv SHLVL in the .cc). Also
// made: a known_hosts file with its host key, a second ed25519 key that is
// NOT authorised, and an RSA key (authorised, for the libssh2 1.10 message).
// The sshd is stopped (by PID) and the folder removed when destroyed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace galaxis::testing {

class SshServer {
 public:
  // Starts sshd; throws Error(kRuntime) with sshd's output when it cannot.
  SshServer();
  ~SshServer();
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string user() const;  // the login name (the test's user)
  std::string user_key() const { return dir_ + "/user_key"; }
  std::string other_key() const { return dir_ + "/other_key"; }  // not authorised
  std::string rsa_key() const { return dir_ + "/rsa_key"; }      // authorised, RSA
  std::string known_hosts() const { return dir_ + "/known_hosts"; }
  std::string empty_known_hosts() const { return dir_ + "/known_hosts.empty"; }
  std::string wrong_known_hosts() const { return dir_ + "/known_hosts.wrong"; }  // another key for this host
  // ssh://user@127.0.0.1:port + path
  std::string url(const std::string& path) const;

 private:
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// One server per test binary, started on first use.
SshServer& shared_ssh_server();

}  // namespace galaxis::testing
