// galaxis/http/client.h — one plain-HTTP request (Boost.Beast), for
// `status --health-url`, tests and benchmarks.
//
// Only http:// (TLS is the reverse proxy's job), host as a name, IPv4 or
// [IPv6] literal, port default 80. The whole exchange (resolve, connect,
// request, response) is bounded by `timeout`; the response body by 1 MiB.
//
// Errors: Error(kUsage) for a URL it cannot use, Error(kNetwork) naming the
// URL when the server cannot be reached or answers garbage. Any HTTP status
// is a result, not an error. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace galaxis::http {

struct Result {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
};

Result request(const ClientRequest& request);
Result get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace galaxis::http
