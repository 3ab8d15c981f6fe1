// galaxis/fsmirror/health.h — `mirror --watch --health-listen ADDR:PORT`:
// GET /health and GET /metrics for load balancers and Prometheus.
//
// handle_health_http() is pure (tests call it): /health answers 200 while
// the last complete cycle is at most --max-age seconds old, else 503, with a
// JSON body saying why; /metrics answers the Prometheus text format
// (cycles, files, bytes, errors, refusals, last complete cycle age); other
// paths 404, other methods 405.
//
// start_health_server() serves it with the shared galaxis::http::Server
// (Beast; the project does not hand-write HTTP parsing): request header at
// most 8 KiB, no body, 5 s to send a request.
// With --health-listen, --watch runs a (cheap, no-change) cycle at least every
// max-age/3 seconds so an idle but healthy mirror stays fresh.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "galaxis/http/server.h"

namespace galaxis::fsmirror {

struct MirrorStats {
  std::atomic<uint64_t> cycles{0};  // complete cycles
  std::atomic<uint64_t> files_copied{0};
  std::atomic<uint64_t> bytes_copied{0};
  std::atomic<uint64_t> deleted{0};
  std::atomic<uint64_t> errors{0};           // failed cycles
  std::atomic<uint64_t> refused{0};          // cycles refused by the delete guard
  std::atomic<int64_t> last_complete_ns{0};  // CLOCK_REALTIME of the last complete cycle (0 = none)
};

struct HealthReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
};

HealthReply handle_health_http(std::string_view method, std::string_view target, const MirrorStats& stats,
                               double max_age_seconds, int64_t now_ns);

// Binds ADDR:PORT ("127.0.0.1:9102", "[::1]:9102"; port 0 = any, see
// port()) and starts serving handle_health_http() on the server's own
// thread; `stats` must outlive the server. Throws Error(kUsage) for a bad
// address, Error(kIo) when it cannot bind.
std::unique_ptr<http::Server> start_health_server(const std::string& address, const MirrorStats& stats,
                                                  double max_age_seconds);

}  // namespace galaxis::fsmirror
