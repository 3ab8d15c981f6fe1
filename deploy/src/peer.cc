#include "peer.h"

#include <fcntl.h>
#include <libssh2.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "galaxis/common/error.h"
#include "known_hosts.h"

namespace galaxis::deploy::detail {

namespace {

struct Target {
  std::string user = "root";
  std::string host;
  unsigned port = 22;
  std::string root;
};

Target parse_peer(const std::string& url) {
  constexpr std::string_view kScheme = "ssh://";
  if (!std::string_view(url).starts_with(kScheme))
    throw_error(Error::Kind::kUsage, "--peer '{}': expected ssh://user@host[:port]/path", url);
  Target t;
  std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos) throw_error(Error::Kind::kUsage, "--peer '{}': no path (the peer's --root)", url);
  t.root = rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  if (const auto at = authority.find('@'); at != std::string::npos) {
    t.user = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  if (const auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']') == std::string::npos) {
    t.port = static_cast<unsigned>(std::atoi(authority.c_str() + colon + 1));
    authority = authority.substr(0, colon);
  }
  t.host = authority;
  if (t.host.empty() || t.port == 0 || t.port > 65535)
    throw_error(Error::Kind::kUsage, "--peer '{}': bad host or port", url);
  return t;
}

std::string quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int connect_with_timeout(const Target& t, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(t.port);
  if (const int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw_error(Error::Kind::kNetwork, "resolving {}: {}", t.host, gai_strerror(rc));
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    if (::poll(&p, 1, timeout_ms) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      ::freeaddrinfo(found);
      return fd;
    }
    last = error != 0 ? std::strerror(error) : "timed out";
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw_error(Error::Kind::kNetwork, "connecting to {}:{}: {}", t.host, t.port, last);
}

std::string session_error(LIBSSH2_SESSION* session) {
  char* message = nullptr;
  libssh2_session_last_error(session, &message, nullptr, 0);
  return message != nullptr ? message : "unknown libssh2 error";
}

}  // namespace

PeerOutcome deploy_on_peer(const PeerRequest& request, const std::string& sha) {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
  PeerOutcome outcome;
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_CHANNEL* channel = nullptr;
  try {
    const Target t = parse_peer(request.url);
    if (request.known_hosts.empty())
      throw_error(Error::Kind::kUsage, "--peer needs --known-hosts (the peer's host key is pinned)");
    if (request.identity.empty()) throw_error(Error::Kind::kUsage, "--peer needs --identity (the SSH key)");
    fd = connect_with_timeout(t, 10000);
    session = libssh2_session_init();
    libssh2_session_set_blocking(session, 1);
    libssh2_session_set_timeout(session, static_cast<long>(request.timeout.count()) * 1000);
    if (libssh2_session_handshake(session, fd) != 0)
      throw_error(Error::Kind::kNetwork, "SSH handshake with {}: {}", t.host, session_error(session));
    size_t key_length = 0;
    int key_type = 0;
    const char* key = libssh2_session_hostkey(session, &key_length, &key_type);
    bool pinned = false;
    if (key != nullptr) {
      const std::string raw(key, key_length);
      for (const std::string& known : known_host_keys(request.known_hosts, t.host, t.port)) pinned |= known == raw;
    }
    if (!pinned) throw_error(Error::Kind::kAuth, "host key of {} is not in {}", t.host, request.known_hosts);
    // One attempt: a refused key is an error, not a reason to try again.
    const std::string pub = request.identity + ".pub";
    if (libssh2_userauth_publickey_fromfile(session, t.user.c_str(),
                                            ::access(pub.c_str(), R_OK) == 0 ? pub.c_str() : nullptr,
                                            request.identity.c_str(), nullptr) != 0) {
      throw_error(Error::Kind::kAuth, "{}@{} refused key {}: {}", t.user, t.host, request.identity,
                  session_error(session));
    }
    channel = libssh2_channel_open_session(session);
    if (channel == nullptr) throw_error(Error::Kind::kNetwork, "SSH channel to {}: {}", t.host, session_error(session));
    libssh2_channel_handle_extended_data2(channel, LIBSSH2_CHANNEL_EXTENDED_DATA_MERGE);
    std::string command = quote(request.remote_binary) + " deploy now --root " + quote(t.root) + " --sha " +
                          quote(sha) + " --passive --trigger peer";
    if (!request.remote_config.empty()) {
      command += " --config " + quote(request.remote_config);
    } else {
      command += " --repo " + quote(request.repo) + " --branch " + quote(request.branch);
    }
    if (libssh2_channel_exec(channel, command.c_str()) != 0)
      throw_error(Error::Kind::kNetwork, "running deploy on {}: {}", t.host, session_error(session));
    char buffer[8192];
    for (;;) {
      const ssize_t n = libssh2_channel_read(channel, buffer, sizeof buffer);
      if (n > 0) {
        outcome.output_tail.append(buffer, static_cast<size_t>(n));
        if (outcome.output_tail.size() > 8192) outcome.output_tail.erase(0, outcome.output_tail.size() - 4096);
        continue;
      }
      if (n == 0) break;
      throw_error(Error::Kind::kNetwork, "reading from {}: {}", t.host, session_error(session));
    }
    libssh2_channel_close(channel);
    libssh2_channel_wait_closed(channel);
    outcome.exit_code = libssh2_channel_get_exit_status(channel);
    outcome.ok = outcome.exit_code == 0;
    if (!outcome.ok) outcome.error = "deploy on the peer exited " + std::to_string(outcome.exit_code);
  } catch (const Error& e) {
    outcome.ok = false;
    outcome.error = e.what();
  }
  if (outcome.output_tail.size() > 4096) outcome.output_tail.erase(0, outcome.output_tail.size() - 4096);
  if (channel != nullptr) libssh2_channel_free(channel);
  if (session != nullptr) {
    libssh2_session_disconnect(session, "done");
    libssh2_session_free(session);
  }
  if (fd >= 0) ::close(fd);
  return outcome;
}

}  // namespace galaxis::deploy::detail
