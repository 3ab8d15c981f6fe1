// What HAProxy (agent-check, httpchk GET /role) and keepalived (role check
// exit codes) are told for each role, as a pure function; the /role route of
// the health handler; and the agent-check server's one-line protocol on
// loopback.
#include "galaxis/relay/role_agent.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/relay/agent_server.h"
#include "galaxis/relay/health_server.h"

namespace galaxis::relay {
namespace {

RoleInput with_role(sql::ServerRole role, uint64_t epoch) {
  RoleInput input;
  input.pair = "p1";
  sql::RoleRecord r;
  r.role = role;
  r.epoch = epoch;
  input.record = r;
  return input;
}

TEST(RoleAgent, ActiveTakesTraffic) {
  const RoleDecision d = decide_role(with_role(sql::ServerRole::kActive, 3));
  EXPECT_EQ(d.role, "active");
  EXPECT_TRUE(d.takes_traffic);
  EXPECT_EQ(d.agent_reply, "up ready\n");
  EXPECT_EQ(d.http_status, 200u);
  EXPECT_EQ(d.check_exit, RoleCheckExit::kActive);
  const nlohmann::json j = nlohmann::json::parse(d.http_body);
  EXPECT_EQ(j["role"], "active");
  EXPECT_EQ(j["epoch"], 3);
  EXPECT_EQ(j["pair"], "p1");
  EXPECT_EQ(j["check_exit"], 0);
}

TEST(RoleAgent, PassiveGetsNoTrafficHoweverHealthy) {
  RoleInput input = with_role(sql::ServerRole::kPassive, 3);
  input.relay = RelayHealthView{"streaming", 0.0, ""};
  RoleDecision d = decide_role(input);
  EXPECT_EQ(d.agent_reply, "maint\n");
  EXPECT_EQ(d.http_status, 503u);
  EXPECT_FALSE(d.takes_traffic);
  EXPECT_EQ(d.check_exit, RoleCheckExit::kPassive);

  RoleAgentOptions drain;
  drain.passive_reply = parse_passive_reply("drain");
  input.relay = RelayHealthView{"reconnecting", 42.5, "source: connection refused"};
  d = decide_role(input, drain);
  EXPECT_EQ(d.agent_reply, "drain\n");
  EXPECT_NE(d.reason.find("lag 42.5 s"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("connection refused"), std::string::npos) << d.reason;
  const nlohmann::json j = nlohmann::json::parse(d.http_body);
  EXPECT_EQ(j["relay"]["lag_seconds"], 42.5);
  EXPECT_THROW(parse_passive_reply("up"), Error);
}

TEST(RoleAgent, FencedIsDown) {
  const RoleDecision d = decide_role(with_role(sql::ServerRole::kFenced, 4));
  EXPECT_EQ(d.agent_reply, "down\n");
  EXPECT_EQ(d.http_status, 503u);
  EXPECT_EQ(d.check_exit, RoleCheckExit::kFencedOrUnknown);
}

TEST(RoleAgent, StaleActiveBelowPeerEpochIsFenced) {
  RoleInput input = with_role(sql::ServerRole::kActive, 3);
  input.peer_epoch = 4;  // the peer was promoted after this server was last active
  RoleDecision d = decide_role(input);
  EXPECT_EQ(d.role, "fenced");
  EXPECT_EQ(d.agent_reply, "down\n");
  EXPECT_EQ(d.check_exit, RoleCheckExit::kFencedOrUnknown);
  input.peer_epoch = 3;  // equal: the peer is the passive of the same epoch
  d = decide_role(input);
  EXPECT_EQ(d.agent_reply, "up ready\n");
}

TEST(RoleAgent, ActiveRowWithARelayApplyingIsNotActive) {
  RoleInput input = with_role(sql::ServerRole::kActive, 5);
  input.relay = RelayHealthView{"streaming", 0, ""};
  const RoleDecision d = decide_role(input);
  EXPECT_FALSE(d.takes_traffic);
  EXPECT_EQ(d.agent_reply, "down\n");
  EXPECT_EQ(d.check_exit, RoleCheckExit::kFencedOrUnknown);
}

TEST(RoleAgent, NoRowAndUnreadableNeverGuess) {
  RoleInput none;
  none.pair = "p1";
  RoleDecision d = decide_role(none);
  EXPECT_EQ(d.role, "unknown");
  EXPECT_EQ(d.agent_reply, "down\n");
  EXPECT_EQ(d.check_exit, RoleCheckExit::kFencedOrUnknown);
  EXPECT_TRUE(nlohmann::json::parse(d.http_body)["epoch"].is_null());

  RoleInput gone = with_role(sql::ServerRole::kActive, 1);
  gone.readable = false;
  gone.read_error = "server: Can't connect";
  d = decide_role(gone);
  EXPECT_EQ(d.agent_reply, "down\n");
  EXPECT_EQ(d.http_status, 503u);
  EXPECT_EQ(d.check_exit, RoleCheckExit::kCannotTell);
  EXPECT_NE(d.reason.find("Can't connect"), std::string::npos);
}

TEST(RoleAgent, HealthHandlerRoutesRoleOnlyWhenConfigured) {
  MetricsSnapshot s;
  EXPECT_EQ(handle_http("GET", "/role", s, {}).status, 404u);
  HealthOptions options;
  options.role = [] { return HttpReply{200, "application/json", "{\"role\":\"active\"}\n"}; };
  const HttpReply reply = handle_http("GET", "/role?x=1", s, options);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "{\"role\":\"active\"}\n");
  EXPECT_EQ(handle_http("POST", "/role", s, options).status, 405u);
}

// HAProxy's side of the protocol: connect, read until EOF, expect one line.
std::string agent_read(uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string out;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(out), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();
  return out;
}

TEST(AgentServer, WritesOneLineAndCloses) {
  std::string reply = "maint";
  AgentServer server(http::ListenAddress{"127.0.0.1", 0}, [&reply] { return reply; });
  server.start();
  EXPECT_EQ(agent_read(server.port()), "maint\n") << "a missing newline is added";
  reply = "up ready\n";
  EXPECT_EQ(agent_read(server.port()), "up ready\n");
  server.stop();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()}, ec);
  EXPECT_TRUE(ec) << "a stopped agent refuses connections";
}

TEST(AgentServer, ThrowingReplyAnswersDown) {
  AgentServer server(http::ListenAddress{"127.0.0.1", 0},
                     []() -> std::string { throw Error(Error::Kind::kRuntime, "boom"); });
  server.start();
  EXPECT_EQ(agent_read(server.port()), "down\n");
}

}  // namespace
}  // namespace galaxis::relay
