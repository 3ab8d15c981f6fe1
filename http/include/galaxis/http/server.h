// galaxis/http/server.h — a small HTTP/1.1 server (Boost.Beast) around a pure
// handler: Response handler(const Request&).
//
// Used by the relay's /health + /metrics endpoint and the deploy webhook, so
// neither depends on the other. The handler is called on the server's one
// I/O thread, one request at a time: it must be quick (the webhook only
// enqueues) and must not throw (a throw is logged and answered 500).
//
// Limits (Limits below) are owned here, not by handlers:
//  - request header at most header_bytes (else the connection is closed);
//  - body at most body_bytes (0: no body accepted). A larger declared or
//    streamed body is answered 413 and the connection closed, without
//    reading the rest;
//  - read_timeout covers reading one whole request (header and body): a
//    slow-loris client is disconnected after it;
//  - at most max_connections open at once: more are accepted and closed at
//    once so the listen queue never fills with them;
//  - keep-alive up to max_requests_per_connection requests.
//
// Errors: the constructor throws Error(kUsage) for an unparsable address
// and Error(kIo) when the port cannot be bound. Session errors are logged at
// debug level and close that connection only. start()/stop() from one
// thread; the destructor stops. A stopped server refuses connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace galaxis::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/path?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // peer address, for logs

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // target without the query string.
  std::string_view path() const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

using Handler = std::function<Response(const Request&)>;

struct Limits {
  size_t header_bytes = 8 * 1024;
  uint64_t body_bytes = 0;
  std::chrono::milliseconds read_timeout{5000};
  unsigned max_connections = 64;
  unsigned max_requests_per_connection = 100;
};

// "127.0.0.1:8080", "[::1]:8080"; ":8080" is refused (say where to bind).
// `flag` names the option in error messages ("--health-listen").
struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
ListenAddress parse_listen_address(std::string_view text, std::string_view flag = "--listen");

// HTTPS: PEM files, loaded once by the constructor (Error(kUsage) naming
// the file and OpenSSL's reason when unreadable or when they do not match).
// TLS 1.2+ only. The port then speaks only TLS: a plain-HTTP request to it
// is answered "400 this port speaks HTTPS" in plain text and closed (the
// first bytes are sniffed with beast::async_detect_ssl); a failed handshake
// closes the connection. Limits apply as for HTTP; the handshake counts
// against read_timeout.
struct TlsFiles {
  std::string certificate_file;  // the chain: server certificate first
  std::string private_key_file;
};

class Server {
 public:
  // `what` names the server in logs and errors ("health endpoint").
  Server(const ListenAddress& address, Handler handler, Limits limits, std::string what = "http server",
         std::optional<TlsFiles> tls = std::nullopt);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful with port 0).
  uint16_t port() const;
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace galaxis::http
