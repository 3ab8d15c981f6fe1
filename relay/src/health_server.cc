#include "galaxis/relay/health_server.h"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

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
  const bool known = path == "/health" || path == "/metrics";
  if (!known) return HttpReply{404, "text/plain", "not found: try /health or /metrics\n"};
  if (method != "GET" && method != "HEAD") return HttpReply{405, "text/plain", "method not allowed: use GET\n"};
  if (path == "/health") return health(snapshot, options);
  return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", render_prometheus(snapshot, options.stream)};
}

ListenAddress parse_listen_address(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw_error(Error::Kind::kUsage, "--health-listen '{}': expected [ADDR]:PORT", text);
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      throw_error(Error::Kind::kUsage, "--health-listen '{}': expected ADDR:PORT, e.g. 127.0.0.1:9101", text);
    }
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5)
    throw_error(Error::Kind::kUsage, "--health-listen '{}': bad port", text);
  for (char c : port_text) {
    if (c < '0' || c > '9') throw_error(Error::Kind::kUsage, "--health-listen '{}': bad port", text);
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) throw_error(Error::Kind::kUsage, "--health-listen '{}': port out of range", text);
  address.port = static_cast<uint16_t>(port);
  boost::system::error_code ec;
  asio::ip::make_address(address.host, ec);
  if (ec) throw_error(Error::Kind::kUsage, "--health-listen '{}': '{}' is not an IP address", text, address.host);
  return address;
}

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(5);
constexpr size_t kHeaderLimit = 8 * 1024;
constexpr unsigned kMaxRequestsPerConnection = 100;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const RelayMetrics& metrics, const HealthOptions& options)
      : stream_(std::move(socket)), metrics_(metrics), options_(options) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec != http::error::end_of_stream) log::debug("health: request: {}", ec.message());
      close();
      return;
    }
    const auto& request = parser_->get();
    HttpReply reply =
        handle_http(std::string_view(request.method_string().data(), request.method_string().size()),
                    std::string_view(request.target().data(), request.target().size()), metrics_.snapshot(), options_);
    ++served_;
    response_.emplace();
    response_->version(request.version());
    response_->result(reply.status);
    response_->set(http::field::server, "galaxis-relay");
    response_->set(http::field::content_type, reply.content_type);
    response_->set(http::field::cache_control, "no-store");
    const bool head = request.method() == http::verb::head;
    const bool keep = request.keep_alive() && served_ < kMaxRequestsPerConnection;
    response_->keep_alive(keep);
    response_->body() = std::move(reply.body);
    response_->prepare_payload();
    if (head) response_->body().clear();
    stream_.expires_after(kReadTimeout);
    http::async_write(stream_, *response_, [self = shared_from_this(), keep](beast::error_code write_ec, size_t) {
      if (write_ec || !keep) {
        self->close();
        return;
      }
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  const RelayMetrics& metrics_;
  const HealthOptions& options_;
  unsigned served_ = 0;
};

}  // namespace

struct HealthServer::Impl {
  Impl(const RelayMetrics& m, HealthOptions o) : metrics(m), options(std::move(o)), acceptor(io) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        log::debug("health: accept: {}", ec.message());
      } else {
        std::make_shared<Session>(std::move(socket), metrics, options)->start();
      }
      accept();
    });
  }

  const RelayMetrics& metrics;
  HealthOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  uint16_t port = 0;  // kept: the acceptor is closed by stop()
  std::thread thread;
};

HealthServer::HealthServer(const ListenAddress& address, const RelayMetrics& metrics, HealthOptions options)
    : impl_(std::make_unique<Impl>(metrics, std::move(options))) {
  const tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw_error(Error::Kind::kIo, "health endpoint: cannot listen on {}:{}: {}", address.host, address.port,
                ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
}

HealthServer::~HealthServer() { stop(); }

uint16_t HealthServer::port() const { return impl_->port; }

void HealthServer::start() {
  if (impl_->thread.joinable()) return;
  impl_->accept();
  impl_->thread = std::thread([this] {
    try {
      impl_->io.run();
    } catch (const std::exception& e) {
      log::error("health endpoint stopped: {}", e.what());
    }
  });
}

void HealthServer::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    impl_->io.stop();
    impl_->thread.join();
  }
  // Closed, not just idle: a stopped relay refuses connections instead of
  // leaving health checks hanging in the listen backlog.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace galaxis::relay
