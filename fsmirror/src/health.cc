// --health-listen (health.h).
#include "galaxis/fsmirror/health.h"

#include <time.h>

#include <nlohmann/json.hpp>

#include <chrono>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::fsmirror {

HealthReply handle_health_http(std::string_view method, std::string_view target, const MirrorStats& stats,
                               double max_age_seconds, int64_t now_ns) {
  const size_t query = target.find('?');
  if (query != std::string_view::npos) target = target.substr(0, query);
  if (target != "/health" && target != "/metrics") return {404, "text/plain", "not found\n"};
  if (method != "GET" && method != "HEAD") return {405, "text/plain", "method not allowed\n"};
  const int64_t last = stats.last_complete_ns.load();
  const double age = last == 0 ? -1 : static_cast<double>(now_ns - last) / 1e9;
  if (target == "/health") {
    nlohmann::json j = {{"complete_cycles", stats.cycles.load()}, {"max_age_seconds", max_age_seconds}};
    unsigned status = 200;
    if (last == 0) {
      status = 503;
      j["status"] = "unhealthy";
      j["reason"] = "no complete cycle yet";
    } else {
      j["last_complete_age_seconds"] = age;
      if (age > max_age_seconds) {
        status = 503;
        j["status"] = "unhealthy";
        j["reason"] =
            fmt::format("the last complete cycle is {:.1f} s old (more than --max-age {})", age, max_age_seconds);
      } else {
        j["status"] = "ok";
      }
    }
    return {status, "application/json", j.dump() + "\n"};
  }
  std::string body;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    body += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  metric("galaxis_mirror_cycles_total", "counter", "complete mirror cycles", static_cast<double>(stats.cycles.load()));
  metric("galaxis_mirror_files_copied_total", "counter", "files published",
         static_cast<double>(stats.files_copied.load()));
  metric("galaxis_mirror_bytes_copied_total", "counter", "bytes published",
         static_cast<double>(stats.bytes_copied.load()));
  metric("galaxis_mirror_deleted_total", "counter", "entries deleted", static_cast<double>(stats.deleted.load()));
  metric("galaxis_mirror_errors_total", "counter", "failed cycles", static_cast<double>(stats.errors.load()));
  metric("galaxis_mirror_refused_total", "counter", "cycles refused by the delete guard",
         static_cast<double>(stats.refused.load()));
  metric("galaxis_mirror_last_complete_age_seconds", "gauge", "seconds since the last complete cycle (-1: none yet)",
         age);
  return {200, "text/plain; version=0.0.4", body};
}

std::unique_ptr<http::Server> start_health_server(const std::string& address, const MirrorStats& stats,
                                                  double max_age_seconds) {
  http::Limits limits;
  limits.header_bytes = 8 * 1024;
  limits.body_bytes = 0;  // GET/HEAD only
  limits.read_timeout = std::chrono::seconds(5);
  const http::ListenAddress listen = http::parse_listen_address(address, "--health-listen");
  auto server = std::make_unique<http::Server>(
      listen,
      [&stats, max_age_seconds](const http::Request& request) {
        timespec now;
        ::clock_gettime(CLOCK_REALTIME, &now);
        HealthReply reply = handle_health_http(request.method, request.target, stats, max_age_seconds,
                                               static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec);
        return http::Response{reply.status, std::move(reply.content_type), std::move(reply.body), {}};
      },
      limits, "mirror health endpoint");
  server->start();
  const bool v6 = listen.host.find(':') != std::string::npos;
  log::info("mirror: /health and /metrics on http://{}{}{}:{}", v6 ? "[" : "", listen.host, v6 ? "]" : "",
            server->port());
  return server;
}

}  // namespace galaxis::fsmirror
