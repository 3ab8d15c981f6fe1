// The health/metrics handlers as pure functions, the listen-address parser,
// and the binlog byte distance used by `status`.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/relay/health_server.h"
#include "galaxis/relay/pipeline.h"
#include "galaxis/relay/status.h"

namespace galaxis::relay {
namespace {

MetricsSnapshot streaming(double lag) {
  MetricsSnapshot s;
  s.state = RelayState::kStreaming;
  s.lag_seconds = lag;
  s.rows_applied = 42;
  s.source_position = {"binlog.000003", 1234, ""};
  s.applied_position = {"binlog.000003", 1000, ""};
  return s;
}

TEST(HealthHandler, HealthyWhileStreamingUnderMaxLag) {
  HealthOptions options;
  options.max_lag_seconds = 5;
  const HttpReply reply = handle_http("GET", "/health", streaming(4.9), options);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "application/json");
  const auto body = nlohmann::json::parse(reply.body);
  EXPECT_EQ(body["healthy"], true);
  EXPECT_EQ(body["state"], "streaming");
  EXPECT_EQ(body["rows_applied"], 42);
  EXPECT_EQ(body["applied_position"], "binlog.000003:1000");
  EXPECT_TRUE(body["reason"].is_null());
}

TEST(HealthHandler, UnhealthyWhenLagging) {
  HealthOptions options;
  options.max_lag_seconds = 5;
  const HttpReply reply = handle_http("GET", "/health?verbose=1", streaming(5.5), options);
  EXPECT_EQ(reply.status, 503u);
  const auto body = nlohmann::json::parse(reply.body);
  EXPECT_EQ(body["healthy"], false);
  EXPECT_NE(body["reason"].get<std::string>().find("exceeds max-lag"), std::string::npos);
}

TEST(HealthHandler, UnhealthyWhenNotStreaming) {
  for (RelayState state : {RelayState::kStarting, RelayState::kConnecting, RelayState::kReconnecting,
                           RelayState::kStopping, RelayState::kStopped, RelayState::kFailed}) {
    MetricsSnapshot s = streaming(0);
    s.state = state;
    s.last_error = "source x: boom";
    const HttpReply reply = handle_http("GET", "/health", s, {});
    EXPECT_EQ(reply.status, 503u) << to_string(state);
    const auto body = nlohmann::json::parse(reply.body);
    EXPECT_EQ(body["state"], std::string(to_string(state)));
    EXPECT_EQ(body["last_error"], "source x: boom");
  }
}

TEST(HealthHandler, MetricsInPrometheusFormat) {
  HealthOptions options;
  options.stream = "shop\"de";
  MetricsSnapshot s = streaming(1.5);
  s.reconnects = 3;
  const HttpReply reply = handle_http("GET", "/metrics", s, options);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_NE(reply.content_type.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(
      reply.body.find("# TYPE galaxis_relay_lag_seconds gauge\ngalaxis_relay_lag_seconds{stream=\"shop\\\"de\"} 1.5\n"),
      std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("galaxis_relay_reconnects_total{stream=\"shop\\\"de\"} 3\n"), std::string::npos);
  EXPECT_NE(reply.body.find("galaxis_relay_rows_applied_total{stream=\"shop\\\"de\"} 42\n"), std::string::npos);
  EXPECT_NE(reply.body.find("galaxis_relay_applied_position{stream=\"shop\\\"de\",file=\"binlog.000003\"} 1000\n"),
            std::string::npos);
  EXPECT_NE(reply.body.find("galaxis_relay_up{stream=\"shop\\\"de\"} 1\n"), std::string::npos);
}

TEST(HealthHandler, UnknownPathsAndMethods) {
  EXPECT_EQ(handle_http("GET", "/", streaming(0), {}).status, 404u);
  EXPECT_EQ(handle_http("GET", "/healthz", streaming(0), {}).status, 404u);
  EXPECT_EQ(handle_http("POST", "/health", streaming(0), {}).status, 405u);
  EXPECT_EQ(handle_http("DELETE", "/metrics", streaming(0), {}).status, 405u);
  EXPECT_EQ(handle_http("HEAD", "/health", streaming(0), {}).status, 200u);
}

TEST(ListenAddress, Parses) {
  ListenAddress a = parse_listen_address("127.0.0.1:9101");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9101);
  a = parse_listen_address("[::1]:80");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 80);
  for (const char* bad :
       {":9101", "9101", "localhost:9101", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:9x", "[::1]9101", "[::1"}) {
    EXPECT_THROW(parse_listen_address(bad), Error) << bad;
  }
}

TEST(HealthServer, RefusesABusyPort) {
  RelayMetrics metrics;
  HealthServer first(parse_listen_address("127.0.0.1:0"), metrics, {});
  const uint16_t port = first.port();
  EXPECT_NE(port, 0);
  try {
    HealthServer second(ListenAddress{"127.0.0.1", port}, metrics, {});
    ADD_FAILURE() << "bound a busy port";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kIo);
    EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos);
  }
}

// A stopped endpoint must refuse connections: a health checker polling a
// relay that has stopped gets "connection refused" at once, not a hang.
TEST(HealthServer, RefusesConnectionsAfterStop) {
  RelayMetrics metrics;
  HealthServer server(parse_listen_address("127.0.0.1:0"), metrics, {});
  const uint16_t port = server.port();
  server.start();
  boost::asio::io_context io;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  {
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(endpoint, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  server.stop();
  EXPECT_EQ(server.port(), port);
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(endpoint, ec);
  EXPECT_EQ(ec, boost::asio::error::connection_refused) << ec.message();
}

TEST(BinlogBytesBetween, SameFileAndAcrossFiles) {
  const std::vector<BinlogFileSize> files = {{"binlog.000007", 1000}, {"binlog.000008", 500}, {"binlog.000009", 300}};
  EXPECT_EQ(binlog_bytes_between(files, {"binlog.000009", 100, ""}, {"binlog.000009", 300, ""}), 200u);
  EXPECT_EQ(binlog_bytes_between(files, {"binlog.000009", 300, ""}, {"binlog.000009", 300, ""}), 0u);
  // rest of 7 (600) + all of 8 (500) + 250 of 9
  EXPECT_EQ(binlog_bytes_between(files, {"binlog.000007", 400, ""}, {"binlog.000009", 250, ""}), 1350u);
  EXPECT_EQ(binlog_bytes_between(files, {"binlog.000008", 500, ""}, {"binlog.000009", 0, ""}), 0u);
}

TEST(BinlogBytesBetween, UnknownWhenPurgedOrAhead) {
  const std::vector<BinlogFileSize> files = {{"binlog.000008", 500}, {"binlog.000009", 300}};
  EXPECT_FALSE(binlog_bytes_between(files, {"binlog.000005", 4, ""}, {"binlog.000009", 300, ""}).has_value());
  EXPECT_FALSE(binlog_bytes_between(files, {"binlog.000009", 400, ""}, {"binlog.000009", 300, ""}).has_value());
  EXPECT_FALSE(binlog_bytes_between(files, {"binlog.000010", 4, ""}, {"binlog.000009", 300, ""}).has_value());
}

TEST(Pipeline, InitialPositionAndRetryableErrors) {
  EXPECT_EQ(parse_initial_position("from-start"), InitialPosition::kFromStart);
  EXPECT_EQ(parse_initial_position("from-now"), InitialPosition::kFromNow);
  EXPECT_EQ(parse_initial_position("snapshot"), InitialPosition::kSnapshot);
  EXPECT_THROW(parse_initial_position("now"), Error);
}

Error server_error(Error::Kind kind, unsigned code) {
  Error e(kind, "x");
  e.set_server_error(code, "HY000");
  return e;
}

TEST(TargetErrors, RetryableByKindAndServerErrnoNotByMessage) {
  EXPECT_TRUE(sql::is_retryable_target_error(Error(Error::Kind::kNetwork, "x")));
  EXPECT_TRUE(sql::is_retryable_target_error(server_error(Error::Kind::kServer, 1213)));
  EXPECT_TRUE(sql::is_retryable_target_error(server_error(Error::Kind::kServer, 1205)));
  EXPECT_TRUE(sql::is_retryable_target_error(server_error(Error::Kind::kServer, 1053)));
  EXPECT_FALSE(sql::is_retryable_target_error(server_error(Error::Kind::kServer, 1062)));
  EXPECT_FALSE(sql::is_retryable_target_error(server_error(Error::Kind::kAuth, 1045)));
  // A message that merely mentions a retryable number is not retryable.
  EXPECT_FALSE(sql::is_retryable_target_error(Error(Error::Kind::kServer, "error 1213 (40001): deadlock")));
  EXPECT_TRUE(sql::is_lock_conflict(1213));
  EXPECT_FALSE(sql::is_lock_conflict(1062));
}

}  // namespace
}  // namespace galaxis::relay
