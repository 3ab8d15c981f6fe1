// SSH transport (ssh.h) with libssh2 in blocking mode; after the exec the
// channel's I/O runs on a thread of its own (ssh_pump.h).
#include "galaxis/fsmirror/ssh.h"

#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "home_dir.h"
#include "ssh_pump.h"

namespace galaxis::fsmirror {
namespace {

// libssh2's receive, acknowledging at once. sshd leaves Nagle on for a
// session without a pty, so a small packet it sends while an earlier one is
// not yet acknowledged waits for our delayed ACK (up to 40 ms on Linux): seen
// as a 42 ms stall between sshd's post-auth hostkeys message and the channel
// confirmation, on every connect. TCP_QUICKACK is not sticky: set after
// every receive.
LIBSSH2_RECV_FUNC(recv_acking_at_once) {
  (void)abstract;
  const ssize_t n = ::recv(socket, buffer, length, flags);
  if (n < 0) return -errno;  // as libssh2's own (EAGAIN included)
  const int one = 1;
  ::setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
  return n;
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string last_error(LIBSSH2_SESSION* session) {
  char* msg = nullptr;
  int len = 0;
  libssh2_session_last_error(session, &msg, &len, 0);
  return msg != nullptr ? std::string(msg, static_cast<size_t>(len)) : "unknown libssh2 error";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string base64_decode(const std::string& text) {
  std::string clean;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') clean += c;
  }
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

const char* key_type_name(int type) {
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
  }
  return "unknown";
}

int knownhost_type(int type) {
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
  }
  return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

constexpr const char* kRsaMessage =
    "is an RSA key: Debian 12's libssh2 1.10 can sign only with ssh-rsa (SHA-1), which current OpenSSH servers "
    "refuse (no rsa-sha2-256/512 support); use an ed25519 or ECDSA key (ssh-keygen -t ed25519)";

class Ssh : public SshChannel {
 public:
  Ssh(const SshUrl& url, const SshOptions& options) : url_(url), options_(options) {
    static const int init = libssh2_init(0);
    if (init != 0) throw_error(Error::Kind::kRuntime, "libssh2_init failed ({})", init);
  }

  // The far side has answered BYE by now (remote_destination.cc), after
  // releasing the destination's lock: waiting for its process to exit and for
  // sshd to report that (libssh2_channel_close) only cost time — 20-60 ms of a
  // no-change cycle on a loaded machine. So: DISCONNECT, then the socket is
  // shut down before the channel is freed, which makes libssh2's close of the
  // channel fail at once instead of waiting for the peer's CLOSE.
  ~Ssh() override {
    pump_.reset();  // sends what is queued, then hands the session back to this thread
    if (session_ != nullptr) libssh2_session_disconnect(session_, "bye");
    if (sock_ >= 0) ::shutdown(sock_, SHUT_RDWR);
    if (channel_ != nullptr) libssh2_channel_free(channel_);
    if (session_ != nullptr) libssh2_session_free(session_);
    if (sock_ >= 0) ::close(sock_);
  }

  void connect() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    const std::string port = std::to_string(url_.port);
    const int rc = ::getaddrinfo(url_.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) throw_error(Error::Kind::kNetwork, "ssh {}: resolve: {}", where(), gai_strerror(rc));
    int err = 0;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      sock_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (sock_ < 0) continue;
      if (::connect(sock_, ai->ai_addr, ai->ai_addrlen) == 0) break;
      err = errno;
      ::close(sock_);
      sock_ = -1;
    }
    ::freeaddrinfo(res);
    if (sock_ < 0) throw_error(Error::Kind::kNetwork, "ssh {}: connect: {}", where(), std::strerror(err));
    const int one = 1;
    ::setsockopt(sock_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    session_ = libssh2_session_init();
    if (session_ == nullptr) throw_error(Error::Kind::kRuntime, "ssh {}: libssh2_session_init failed", where());
    libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV, reinterpret_cast<void*>(&recv_acking_at_once));
    libssh2_session_set_blocking(session_, 1);
    // Bounds every blocking call: a dead peer behind a black hole fails the
    // cycle (and --watch reconnects) instead of hanging. Generous, because an
    // answer may wait for the far side to fsync a large file.
    libssh2_session_set_timeout(session_, 120000);
    // AES-CTR + HMAC-SHA2 run on AES-NI/SHA-NI; libssh2 1.10 has no GCM or
    // chacha20-poly1305. Preferences only: the server may pick others.
    libssh2_session_method_pref(session_, LIBSSH2_METHOD_CRYPT_CS, "aes128-ctr,aes256-ctr,aes192-ctr");
    libssh2_session_method_pref(session_, LIBSSH2_METHOD_CRYPT_SC, "aes128-ctr,aes256-ctr,aes192-ctr");
    libssh2_session_method_pref(session_, LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256,hmac-sha2-512,hmac-sha1");
    libssh2_session_method_pref(session_, LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256,hmac-sha2-512,hmac-sha1");
    if (libssh2_session_handshake(session_, sock_) != 0) {
      throw_error(Error::Kind::kNetwork, "ssh {}: handshake: {}", where(), last_error(session_));
    }
    check_host_key();
    authenticate();
    start_serve();
  }

  size_t read_some(void* data, size_t size) override { return pump_->read_some(data, size); }
  void write_all(const void* data, size_t size) override { pump_->write(data, size); }
  void flush() override { pump_->flush(); }

  std::string remote_stderr() override {
    if (pump_ != nullptr) pump_->stop();  // the session is this thread's again
    std::string out = pump_ != nullptr ? pump_->captured_stderr() : std::string();
    char buf[4096];
    libssh2_session_set_blocking(session_, 0);
    while (true) {
      const ssize_t n = libssh2_channel_read_stderr(channel_, buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    libssh2_session_set_blocking(session_, 1);
    if (libssh2_channel_eof(channel_)) {
      const int status = libssh2_channel_get_exit_status(channel_);
      if (status != 0) out += fmt::format("(remote exit status {})", status);
    }
    return out;
  }

 private:
  std::string where() const { return url_.user + "@" + url_.host + ":" + std::to_string(url_.port); }

  void check_host_key() {
    size_t len = 0;
    int type = 0;
    const char* key = libssh2_session_hostkey(session_, &len, &type);
    if (key == nullptr) throw_error(Error::Kind::kAuth, "ssh {}: the server sent no host key", where());
    const char* digest = libssh2_hostkey_hash(session_, LIBSSH2_HOSTKEY_HASH_SHA256);
    const std::string fingerprint =
        digest != nullptr ? sha256_fingerprint(reinterpret_cast<const unsigned char*>(digest)) : "(no SHA256)";
    const std::string file = options_.known_hosts.empty() ? home_dir() + "/.ssh/known_hosts" : options_.known_hosts;
    LIBSSH2_KNOWNHOSTS* hosts = libssh2_knownhost_init(session_);
    struct Free {
      LIBSSH2_KNOWNHOSTS* h;
      ~Free() { libssh2_knownhost_free(h); }
    } free_hosts{hosts};
    const int loaded = libssh2_knownhost_readfile(hosts, file.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
    if (loaded < 0 && ::access(file.c_str(), F_OK) == 0) {
      throw_error(Error::Kind::kAuth, "ssh {}: cannot read known_hosts {}: {}", where(), file, last_error(session_));
    }
    libssh2_knownhost* found = nullptr;
    const int check = libssh2_knownhost_checkp(
        hosts, url_.host.c_str(), url_.port, key, len,
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_type(type), &found);
    const std::string name = url_.port == 22 ? url_.host : "[" + url_.host + "]:" + std::to_string(url_.port);
    switch (check) {
      case LIBSSH2_KNOWNHOST_CHECK_MATCH: return;
      case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        throw_error(Error::Kind::kAuth,
                    "ssh {}: the {} host key of {} does NOT match {} (now {}): refusing to connect; if the server "
                    "was really re-keyed, replace its line in that file",
                    where(), key_type_name(type), name, file, fingerprint);
      case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        throw_error(Error::Kind::kAuth,
                    "ssh {}: unknown host key: {} is not in {} ({} key {}); check the fingerprint and add it "
                    "(ssh-keyscan -p {} {} >> {}), or name another file with --known-hosts",
                    where(), name, file, key_type_name(type), fingerprint, url_.port, url_.host, file);
      default:
        throw_error(Error::Kind::kAuth, "ssh {}: checking the host key against {} failed: {}", where(), file,
                    last_error(session_));
    }
  }

  bool try_key_file(const std::string& path, bool explicit_key) {
    const std::string text = read_text(path);
    if (text.empty()) {
      if (explicit_key) throw_error(Error::Kind::kUsage, "--identity {}: cannot read the key file", path);
      return false;
    }
    const std::string type = private_key_type(text);
    if (type == "ssh-rsa") {
      if (explicit_key) throw_error(Error::Kind::kAuth, "ssh {}: --identity {} {}", where(), path, kRsaMessage);
      log::warn("mirror: skipping {}: it {}", path, kRsaMessage);
      return false;
    }
    const char* passphrase = std::getenv("GALAXIS_SSH_KEY_PASSPHRASE");
    const int rc =
        libssh2_userauth_publickey_fromfile_ex(session_, url_.user.c_str(), static_cast<unsigned>(url_.user.size()),
                                               nullptr, path.c_str(), passphrase != nullptr ? passphrase : "");
    if (rc == 0) return true;
    tried_ += (tried_.empty() ? "" : ", ") + path + " (" + (type.empty() ? "unknown type" : type) + ": " +
              last_error(session_) + ")";
    return false;
  }

  bool try_agent() {
    LIBSSH2_AGENT* agent = libssh2_agent_init(session_);
    if (agent == nullptr) return false;
    struct Free {
      LIBSSH2_AGENT* a;
      ~Free() {
        libssh2_agent_disconnect(a);
        libssh2_agent_free(a);
      }
    } free_agent{agent};
    if (std::getenv("SSH_AUTH_SOCK") == nullptr || libssh2_agent_connect(agent) != 0 ||
        libssh2_agent_list_identities(agent) != 0) {
      return false;
    }
    libssh2_agent_publickey* identity = nullptr;
    libssh2_agent_publickey* prev = nullptr;
    while (libssh2_agent_get_identity(agent, &identity, prev) == 0) {
      prev = identity;
      const std::string blob(reinterpret_cast<const char*>(identity->blob), identity->blob_len);
      if (blob.find("ssh-rsa") != std::string::npos && blob.find("ssh-rsa") < 16) continue;  // see kRsaMessage
      if (libssh2_agent_userauth(agent, url_.user.c_str(), identity) == 0) return true;
      tried_ += std::string(tried_.empty() ? "" : ", ") + "agent key " + (identity->comment ? identity->comment : "");
    }
    return false;
  }

  void authenticate() {
    if (!options_.identity.empty()) {
      if (try_key_file(options_.identity, true)) return;
    } else {
      if (try_agent()) return;
      for (const char* name : {"/.ssh/id_ed25519", "/.ssh/id_ecdsa"}) {
        if (try_key_file(home_dir() + name, false)) return;
      }
    }
    throw_error(Error::Kind::kAuth,
                "ssh {}: public key authentication failed (tried: {}); is the public key in the server's "
                "authorized_keys for {}?",
                where(), tried_.empty() ? "no usable key: give --identity FILE or start ssh-agent" : tried_, url_.user);
  }

  void start_serve() {
    channel_ = libssh2_channel_open_session(session_);
    if (channel_ == nullptr)
      throw_error(Error::Kind::kNetwork, "ssh {}: open channel: {}", where(), last_error(session_));
    const std::string command = options_.remote_path + " --log-level warn mirror --serve " + shell_quote(url_.path);
    if (libssh2_channel_exec(channel_, command.c_str()) != 0) {
      throw_error(Error::Kind::kRuntime, "ssh {}: exec '{}': {}", where(), command, last_error(session_));
    }
    pump_ = std::make_unique<SshPump>(session_, channel_, sock_, where());
  }

  SshUrl url_;
  SshOptions options_;
  int sock_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_CHANNEL* channel_ = nullptr;
  std::string tried_;
  std::unique_ptr<SshPump> pump_;  // every libssh2 call on the session after exec
};

}  // namespace

std::string SshUrl::display() const { return user + "@" + host + ":" + std::to_string(port) + path; }

SshUrl parse_ssh_url(const std::string& text) {
  constexpr std::string_view kScheme = "ssh://";
  if (text.rfind(kScheme, 0) != 0) throw_error(Error::Kind::kUsage, "'{}': expected ssh://user@host[:port]/path", text);
  std::string rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size()) {
    throw_error(Error::Kind::kUsage, "'{}': no path (ssh://user@host[:port]/path)", text);
  }
  SshUrl url;
  url.path = rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    url.user = authority.substr(0, at);
    authority = authority.substr(at + 1);
  } else if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) {
    url.user = pw->pw_name;
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) throw_error(Error::Kind::kUsage, "'{}': unbalanced [", text);
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else {
    const size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty() || url.user.empty()) throw_error(Error::Kind::kUsage, "'{}': no user or host", text);
  if (!port.empty()) {
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535) throw_error(Error::Kind::kUsage, "'{}': bad port '{}'", text, port);
    url.port = static_cast<uint16_t>(p);
  }
  return url;
}

std::string sha256_fingerprint(const unsigned char* digest) {
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, digest, 32);
  std::string b64(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string private_key_type(const std::string& text) {
  if (text.find("-----BEGIN RSA PRIVATE KEY-----") != std::string::npos) return "ssh-rsa";
  if (text.find("-----BEGIN EC PRIVATE KEY-----") != std::string::npos) return "ecdsa-sha2";
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const size_t start = text.find(begin);
  if (start == std::string::npos) return "";
  const size_t end = text.find("-----END", start + begin.size());
  const std::string blob = base64_decode(text.substr(start + begin.size(), end - start - begin.size()));
  // openssh-key-v1: the public key (unencrypted) names its type first.
  for (const char* type :
       {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-dss"}) {
    if (blob.find(type) != std::string::npos) return type;
  }
  return "";
}

std::unique_ptr<SshChannel> open_ssh_serve_channel(const SshUrl& url, const SshOptions& options) {
  auto ssh = std::make_unique<Ssh>(url, options);
  ssh->connect();
  return ssh;
}

}  // namespace galaxis::fsmirror
