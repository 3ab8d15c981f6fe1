#include "galaxis/relay/health_server.h"

#include <fmt/format.h>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::relay {

namespace {

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

HttpReply health(const MetricsSnapshot& s, const HealthOptions& options) {
  std::string reason;
  const bool streaming = s.state == RelayState::kStreaming;
  const bool lag_ok = s.lag_seconds <= options.max_lag_seconds;
  if (!streaming)
    reason = fmt::format("relay is {}", to_string(s.state));
  else if (!lag_ok)
    reason = fmt::format("lag {:.1f} s exceeds max-lag {:.1f} s", s.lag_seconds, options.max_lag_seconds);
  nlohmann::json j;
  j["healthy"] = streaming && lag_ok;
  j["state"] = std::string(to_string(s.state));
  j["stream"] = options.stream;
  j["lag_seconds"] = s.lag_seconds;
  j["max_lag_seconds"] = options.max_lag_seconds;
  j["source_position"] = s.source_position.to_string();
  j["applied_position"] = s.applied_position.to_string();
  j["transactions_applied"] = s.transactions_applied;
  j["rows_applied"] = s.rows_applied;
  j["reconnects"] = s.reconnects;
  j["resyncs"] = s.resyncs;
  j["events_pending"] = s.events_pending ? nlohmann::json(*s.events_pending) : nlohmann::json(nullptr);
  j["reason"] = reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(reason);
  j["last_error"] = s.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.last_error);
  if (!s.last_error.empty()) j["last_error_at"] = iso_utc(s.last_error_at);
  j["started_at"] = iso_utc(s.started_at);
  return HttpReply{streaming && lag_ok ? 200u : 503u, "application/json", j.dump() + "\n"};
}

}  // namespace

HttpReply handle_http(std::string_view method, std::string_view target, const MetricsSnapshot& snapshot,
                      const HealthOptions& options) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool known = path == "/health" || path == "/metrics" || (path == "/role" && options.role);
  if (!known) return HttpReply{404, "text/plain", "not found: try /health or /metrics\n"};
  if (method != "GET" && method != "HEAD") return HttpReply{405, "text/plain", "method not allowed: use GET\n"};
  if (path == "/health") return health(snapshot, options);
  if (path == "/role") return options.role();
  return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", render_prometheus(snapshot, options.stream)};
}

ListenAddress parse_listen_address(std::string_view text) {
  return http::parse_listen_address(text, "--health-listen");
}

namespace {

http::Limits health_limits() {
  http::Limits limits;
  limits.header_bytes = 8 * 1024;
  limits.body_bytes = 0;  // GET/HEAD only
  limits.read_timeout = std::chrono::seconds(5);
  limits.max_requests_per_connection = 100;
  return limits;
}

}  // namespace

HealthServer::HealthServer(const ListenAddress& address, const RelayMetrics& metrics, HealthOptions options)
    : options_(std::move(options)),
      server_(
          address,
          [this, &metrics](const http::Request& request) {
            HttpReply reply = handle_http(request.method, request.target, metrics.snapshot(), options_);
            return http::Response{reply.status, std::move(reply.content_type), std::move(reply.body), {}};
          },
          health_limits(), "health endpoint") {}

HealthServer::~HealthServer() { stop(); }

uint16_t HealthServer::port() const { return server_.port(); }

void HealthServer::start() { server_.start(); }

void HealthServer::stop() { server_.stop(); }

}  // namespace galaxis::relay
