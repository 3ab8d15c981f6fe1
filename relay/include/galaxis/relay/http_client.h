// galaxis/relay/http_client.h — one plain-HTTP GET (Boost.Beast), for
// `status --health-url` to read a running relay's /health.
//
// Only http:// (the health endpoint has no TLS), host as a name, IPv4 or
// [IPv6] literal, port default 80. The whole exchange (resolve, connect,
// request, response) is bounded by `timeout`; the body by 1 MiB.
//
// Errors: Error(kUsage) for a URL it cannot use, Error(kNetwork) naming the
// URL when the server cannot be reached or answers garbage. Any HTTP status
// is a result, not an error. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>

namespace galaxis::relay {

struct HttpResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace galaxis::relay
