// --health-listen (health.h).
#include "galaxis/fsmirror/health.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

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

HealthListener::HealthListener(const std::string& address, const MirrorStats& stats, double max_age_seconds)
    : stats_(stats), max_age_(max_age_seconds) {
  std::string host, port;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    throw_error(Error::Kind::kUsage, "--health-listen '{}': expected ADDR:PORT (e.g. 127.0.0.1:9102)", address);
  }
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    throw_error(Error::Kind::kUsage, "--health-listen '{}': {}", address, gai_strerror(rc));
  }
  listen_fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (listen_fd_ < 0 || ::bind(listen_fd_, res->ai_addr, res->ai_addrlen) != 0 || ::listen(listen_fd_, 16) != 0) {
    const int err = errno;
    ::freeaddrinfo(res);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw_error(Error::Kind::kIo, "--health-listen {}: {}", address, std::strerror(err));
  }
  ::freeaddrinfo(res);
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  char serv[16] = {};
  ::getnameinfo(reinterpret_cast<sockaddr*>(&bound), len, nullptr, 0, serv, sizeof(serv), NI_NUMERICSERV);
  port_ = static_cast<uint16_t>(std::atoi(serv));
  log::info("mirror: /health and /metrics on {}:{}", host, port_);
  thread_ = std::thread([this] { serve(); });
}

HealthListener::~HealthListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

void HealthListener::serve() {
  while (!stop_.load()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    answer(fd);
    ::close(fd);
  }
}

void HealthListener::answer(int fd) {
  std::string head;
  char buf[1024];
  timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
    if (head.size() > 8192) return;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) <= 0) return;  // 5 s to send the request head
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return;
    head.append(buf, static_cast<size_t>(n));
  }
  const size_t sp1 = head.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? std::string::npos : head.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return;
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  const HealthReply reply =
      handle_health_http(std::string_view(head).substr(0, sp1), std::string_view(head).substr(sp1 + 1, sp2 - sp1 - 1),
                         stats_, max_age_, static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec);
  const char* reason = reply.status == 200   ? "OK"
                       : reply.status == 503 ? "Service Unavailable"
                       : reply.status == 404 ? "Not Found"
                                             : "Method Not Allowed";
  const std::string out =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                  reply.status, reason, reply.content_type, reply.body.size(), reply.body);
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace galaxis::fsmirror
