// galaxis/fsmirror/health.h — `mirror --watch --health-listen ADDR:PORT`:
// GET /health and GET /metrics for load balancers and Prometheus.
//
// handle_health_http() is pure (tests call it): /health answers 200 while
// the last complete cycle is at most --max-age seconds old, else 503, with a
// JSON body saying why; /metrics answers the Prometheus text format
// (cycles, files, bytes, errors, refusals, last complete cycle age); other
// paths 404, other methods 405.
//
// HealthListener is a small blocking HTTP/1.0-style server on its own thread
// (one request per connection, request head at most 8 KiB, 5 s to send it).
// The relay's Beast server (relay/src/health_server.cc) is bound to the
// relay's metrics, so the mirror has this one instead of linking galaxis::relay.
// With --health-listen, --watch runs a (cheap, no-change) cycle at least every
// max-age/3 seconds so an idle but healthy mirror stays fresh.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

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

class HealthListener {
 public:
  // "127.0.0.1:9102", "[::1]:9102". Throws Error(kUsage) for a bad address,
  // Error(kIo) when it cannot bind.
  HealthListener(const std::string& address, const MirrorStats& stats, double max_age_seconds);
  ~HealthListener();
  HealthListener(const HealthListener&) = delete;
  HealthListener& operator=(const HealthListener&) = delete;
  uint16_t port() const { return port_; }

 private:
  void serve();
  void answer(int fd);

  const MirrorStats& stats_;
  double max_age_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace galaxis::fsmirror
