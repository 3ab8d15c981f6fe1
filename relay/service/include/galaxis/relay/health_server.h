// galaxis/relay/health_server.h — GET /health and GET /metrics over HTTP
// for load balancers (HAProxy, keepalived) and Prometheus.
//
// handle_http() is a pure function of the request line and a metrics
// snapshot: /health answers 200 while the relay is streaming with lag at
// most max_lag_seconds, else 503, with a JSON body saying why; /metrics
// answers the Prometheus text format; /role answers options.role() (the
// server's role for load balancers, role_agent.h) when set; other paths 404, other methods 405.
// Tests call it directly.
//
// HealthServer is a galaxis::http::Server (http/, shared with the deploy
// webhook) with handle_http() as its handler: it binds where told (an
// explicit ADDR:PORT; nothing is bound by default), serves one request at a
// time per connection on its own thread, with the limits — request header
// at most 8 KiB, no body accepted, 5 s to read a request, keep-alive up to
// 100 requests. It never blocks the pipeline: it only reads
// RelayMetrics::snapshot().
//
// Errors: the constructor throws Error(kUsage) for an unparsable address
// and Error(kIo) when the port cannot be bound. Session errors are logged at
// debug level and close that connection only. start()/stop() from one
// thread; the destructor stops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "galaxis/http/server.h"
#include "galaxis/relay/metrics.h"

namespace galaxis::relay {

struct HttpReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
};

struct HealthOptions {
  double max_lag_seconds = 10;
  std::string stream = "default";
  // GET /role (role_agent.h: 200 only where traffic belongs); unset: 404.
  std::function<HttpReply()> role;
};

HttpReply handle_http(std::string_view method, std::string_view target, const MetricsSnapshot& snapshot,
                      const HealthOptions& options);

// "127.0.0.1:8080", "[::1]:8080", ":8080" is refused (say where to bind).
// http::parse_listen_address naming --health-listen in its errors.
using ListenAddress = http::ListenAddress;
ListenAddress parse_listen_address(std::string_view text);

class HealthServer {
 public:
  HealthServer(const ListenAddress& address, const RelayMetrics& metrics, HealthOptions options);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // The bound port (useful with port 0).
  uint16_t port() const;
  void start();
  void stop();

 private:
  HealthOptions options_;
  http::Server server_;
};

}  // namespace galaxis::relay
