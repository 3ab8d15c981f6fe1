// A throw-away OpenSSH server on 127.0.0.1 for the deploy tests (kept in
// this folder; the lead may merge it with other sshd fixtures). Generates
// its host key, an authorized ed25519 user key, a second (unauthorized) key
// and known_hosts files (right and wrong); sshd -D runs as a child and is
// killed in the destructor. Logins are root with public keys only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace galaxis::testing {

class Sshd {
 public:
  explicit Sshd(const std::filesystem::path& dir);
  ~Sshd();
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  uint16_t port() const { return port_; }
  std::filesystem::path user_key() const { return dir_ / "user_key"; }
  std::filesystem::path other_key() const { return dir_ / "other_key"; }
  std::filesystem::path known_hosts() const { return dir_ / "known_hosts"; }
  std::filesystem::path wrong_known_hosts() const { return dir_ / "wrong_known_hosts"; }
  // ssh://root@127.0.0.1:PORT<path>
  std::string url(const std::filesystem::path& path) const;

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace galaxis::testing
