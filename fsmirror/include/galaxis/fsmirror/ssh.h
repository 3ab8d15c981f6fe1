// galaxis/fsmirror/ssh.h — the SSH transport of an ssh:// destination (libssh2).
//
// ssh://user@host[:port]/path. The server's host key must be in known_hosts
// (--known-hosts FILE, default ~/.ssh/known_hosts; "[host]:port" entries for
// other ports): an unknown or changed key is refused with its SHA256
// fingerprint, never accepted. Authentication is by public key only:
// --identity FILE, else the keys in ssh-agent (SSH_AUTH_SOCK), else
// ~/.ssh/id_ed25519 and ~/.ssh/id_ecdsa. Use ed25519 or ECDSA keys: Debian
// 12's libssh2 1.10 signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH
// 8.8+ refuses, so an RSA key is refused up front with that explanation.
// A passphrase-protected key reads its passphrase from
// GALAXIS_SSH_KEY_PASSPHRASE.
// The far side runs `REMOTE_PATH mirror --serve PATH` on an exec channel;
// its stdin/stdout carry the frames, its stderr is shown on failure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "galaxis/fsmirror/frame_io.h"

namespace galaxis::fsmirror {

struct SshUrl {
  std::string user;
  std::string host;
  uint16_t port = 22;
  std::string path;
  std::string display() const;  // user@host:port/path
};

// Throws Error(kUsage) naming what is wrong.
SshUrl parse_ssh_url(const std::string& url);

struct SshOptions {
  std::string identity;     // private key file ("" = agent, then default keys)
  std::string known_hosts;  // "" = ~/.ssh/known_hosts
  std::string remote_path = "galaxis-relay";
};

class SshChannel : public ByteStream {
 public:
  virtual ~SshChannel() = default;
  // What the far side wrote on stderr so far, and its exit status (after EOF).
  virtual std::string remote_stderr() = 0;
};

// Connects, checks the host key, authenticates, starts the --serve side.
// Errors: kNetwork (connect), kAuth (host key, authentication), kRuntime.
std::unique_ptr<SshChannel> open_ssh_serve_channel(const SshUrl& url, const SshOptions& options);

// "SHA256:base64" as OpenSSH prints it, for a 32-byte digest.
std::string sha256_fingerprint(const unsigned char* digest);

// The key type named inside a private key file ("ssh-ed25519", "ssh-rsa",
// "ecdsa-sha2-nistp256", ...; "" when unknown). Pure file parsing.
std::string private_key_type(const std::string& key_file_text);

}  // namespace galaxis::fsmirror
