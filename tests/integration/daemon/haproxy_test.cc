// Load balancer and VRRP integration of the failover roles, for real
// (docs/failover-lb.md): Debian's haproxy on loopback, its two backends two
// static HTTP frontends "A" and "B" (stand-ins for the two database servers;
// the routing decision is what is tested), each with an agent-check pointing
// at a `galaxis-relay role serve` for one server of the pair. Traffic must go
// only to the active before and after the roles flip. The flip is made here
// by writing the role rows with RoleStore — the state `promote` leaves
// behind (promote itself is tested with it); no relay runs in this test, as
// after promote stopped it.
//
// Also `role check`'s exit codes per role for keepalived's vrrp_script, and
// GET /role from `role serve --health-listen` (200 only on the active).
//
// Uses the mariadb-10.11 shared master and passive only as the two servers
// holding role rows (schema lb_meta, pair lb_pair); one flavour suffices:
// the role row is the same on all flavours (role_store_test covers them).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "daemon_support.h"
#include "galaxis/common/error.h"
#include "galaxis/common/url.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/role_store.h"
#include "galaxis/testing/harness.h"
#include "relay_process.h"

extern char** environ;

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRoleUser = "lb_role_reader";
constexpr const char* kRolePassword = "lb r0le 'pw";

// The one-line agent reply, as HAProxy reads it.
std::string agent_line(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw_error(Error::Kind::kNetwork, "agent 127.0.0.1:{} not listening", port);
  }
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) out.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class HaproxyRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
    if (::access("/usr/sbin/haproxy", X_OK) != 0) GTEST_SKIP() << "haproxy not installed (scripts/install-deps)";
    a_ = &shared_server(Flavor::kMariaDB1011, Role::kMaster);
    b_ = &shared_server(Flavor::kMariaDB1011, Role::kPassive);
    for (Server* s : {a_, b_}) {
      if (s->query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kRoleUser + "'") == "0") {
        s->create_user(kRoleUser, kRolePassword, "SELECT ON lb_meta.*");
      }
      s->exec("DROP DATABASE IF EXISTS lb_meta");
    }
    ::setenv("GALAXIS_TARGET_PASSWORD", kRolePassword, 1);
  }

  void TearDown() override {
    if (haproxy_pid_ > 0) {
      ::kill(haproxy_pid_, SIGTERM);
      ::waitpid(haproxy_pid_, nullptr, 0);
    }
    if (HasFailure()) {
      for (auto* p : {serve_a_.get(), serve_b_.get()}) {
        if (p) std::cerr << "role serve log:\n" << p->log() << "\n";
      }
    }
  }

  void set_role(Server& server, sql::ServerRole role, uint64_t epoch) {
    sql::Connection c(parse_connection_url("mysql://root@127.0.0.1:" + std::to_string(server.port())));
    const sql::RoleStore store("lb_meta", "lb_pair");
    store.ensure_table(c);
    sql::RoleRecord r;
    r.role = role;
    r.epoch = epoch;
    r.changed_by = "haproxy_test";
    store.store(c, r);
  }

  std::string url(Server& server) const {
    return std::string("mysql://") + kRoleUser + "@127.0.0.1:" + std::to_string(server.port());
  }

  int role_check(Server& server, const std::string& pair = "lb_pair") {
    const ProcessResult r = run_process(
        {GALAXIS_BINARY, "role", "check", "--target", url(server), "--stream", pair, "--checkpoint-schema", "lb_meta"},
        60);
    return r.exit_code;
  }

  std::unique_ptr<RelayProcess> serve(Server& server, uint16_t agent, uint16_t http, const std::string& log) {
    return std::make_unique<RelayProcess>(
        std::vector<std::string>{"role", "serve", "--target", url(server), "--stream", "lb_pair", "--checkpoint-schema",
                                 "lb_meta", "--agent-listen", "127.0.0.1:" + std::to_string(agent), "--health-listen",
                                 "127.0.0.1:" + std::to_string(http), "--interval-ms", "100"},
        log);
  }

  // The status column of server `name` in backend `db` of the stats CSV.
  std::string haproxy_status(const std::string& name) {
    const auto [code, csv] = http_get(stats_port_, "/stats;csv");
    if (code != 200) return "";
    std::istringstream lines(csv);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("db," + name + ",", 0) != 0) continue;
      std::vector<std::string> fields;
      std::stringstream cells(line);
      std::string cell;
      while (std::getline(cells, cell, ',')) fields.push_back(cell);
      return fields.size() > 17 ? fields[17] : "";  // 18th column: status
    }
    return "";
  }

  // `n` requests through the balancer: how many each backend answered.
  std::pair<int, int> spread(int n) {
    int a = 0;
    int b = 0;
    for (int i = 0; i < n; ++i) {
      const auto [code, body] = http_get(lb_port_, "/");
      EXPECT_EQ(code, 200) << body;
      if (body == "A") ++a;
      if (body == "B") ++b;
    }
    return {a, b};
  }

  Server* a_ = nullptr;
  Server* b_ = nullptr;
  pid_t haproxy_pid_ = 0;
  uint16_t lb_port_ = 0;
  uint16_t stats_port_ = 0;
  std::unique_ptr<RelayProcess> serve_a_;
  std::unique_ptr<RelayProcess> serve_b_;
};

TEST_F(HaproxyRoleTest, TrafficOnlyToTheActiveBeforeAndAfterTheFlip) {
  // Before: A active, B passive (epoch 1).
  set_role(*a_, sql::ServerRole::kActive, 1);
  set_role(*b_, sql::ServerRole::kPassive, 1);
  EXPECT_EQ(role_check(*a_), 0) << "active";
  EXPECT_EQ(role_check(*b_), 1) << "passive";
  EXPECT_EQ(role_check(*a_, "lb_no_such_pair"), 2) << "no role row";
  {
    const ProcessResult r = run_process(
        {GALAXIS_BINARY, "role", "check", "--target", "mysql://x@127.0.0.1:" + std::to_string(free_loopback_port())},
        60);
    EXPECT_EQ(r.exit_code, 3) << "unreachable server: cannot tell\n" << r.out << r.err;
  }

  const uint16_t agent_a = free_loopback_port(), agent_b = free_loopback_port(), http_a = free_loopback_port(),
                 http_b = free_loopback_port(), be_a = free_loopback_port(), be_b = free_loopback_port();
  lb_port_ = free_loopback_port();
  stats_port_ = free_loopback_port();
  const std::string dir = ::testing::TempDir();
  serve_a_ = serve(*a_, agent_a, http_a, dir + "lb_serve_a.log");
  serve_b_ = serve(*b_, agent_b, http_b, dir + "lb_serve_b.log");
  ASSERT_TRUE(eventually([&] { return agent_line(agent_a) == "up ready\n"; }, 30s)) << serve_a_->log();
  ASSERT_TRUE(eventually([&] { return agent_line(agent_b) == "maint\n"; }, 30s)) << serve_b_->log();
  EXPECT_EQ(http_get(http_a, "/role").first, 200);
  EXPECT_EQ(http_get(http_b, "/role").first, 503);

  // HAProxy: two static backends, agent-check every 200 ms on each.
  const std::string config_path = dir + "lb_haproxy.cfg";
  {
    std::ofstream cfg(config_path);
    cfg << "global\n  maxconn 200\n"
        << "defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n"
        << "frontend be_a\n  bind 127.0.0.1:" << be_a
        << "\n  http-request return status 200 content-type text/plain string A\n"
        << "frontend be_b\n  bind 127.0.0.1:" << be_b
        << "\n  http-request return status 200 content-type text/plain string B\n"
        << "frontend lb\n  bind 127.0.0.1:" << lb_port_ << "\n  default_backend db\n"
        << "frontend stats\n  bind 127.0.0.1:" << stats_port_ << "\n  stats enable\n  stats uri /stats\n"
        << "backend db\n  balance roundrobin\n"
        << "  server a 127.0.0.1:" << be_a << " check inter 1s agent-check agent-port " << agent_a
        << " agent-inter 200ms\n"
        << "  server b 127.0.0.1:" << be_b << " check inter 1s agent-check agent-port " << agent_b
        << " agent-inter 200ms\n";
  }
  const ProcessResult syntax = run_process({"/usr/sbin/haproxy", "-c", "-f", config_path}, 30);
  ASSERT_EQ(syntax.exit_code, 0) << syntax.out << syntax.err;
  std::vector<std::string> argv_text = {"/usr/sbin/haproxy", "-db", "-f", config_path};
  std::vector<char*> argv;
  for (std::string& s : argv_text) argv.push_back(s.data());
  argv.push_back(nullptr);
  ASSERT_EQ(::posix_spawn(&haproxy_pid_, argv[0], nullptr, nullptr, argv.data(), environ), 0);

  // Converged when HAProxy shows A up and B in maintenance (from the agent).
  ASSERT_TRUE(
      eventually([&] { return haproxy_status("a") == "UP" && haproxy_status("b").rfind("MAINT", 0) == 0; }, 30s))
      << "a: " << haproxy_status("a") << ", b: " << haproxy_status("b");
  const auto before = spread(40);
  EXPECT_EQ(before.first, 40) << "every request to the active A";
  EXPECT_EQ(before.second, 0) << "none to the passive B";

  // The flip promote leaves behind: B active at epoch 2, A fenced at epoch 2.
  const auto flip_at = std::chrono::steady_clock::now();
  set_role(*a_, sql::ServerRole::kFenced, 2);
  set_role(*b_, sql::ServerRole::kActive, 2);
  ASSERT_TRUE(eventually([&] { return haproxy_status("b") == "UP" && haproxy_status("a").rfind("DOWN", 0) == 0; }, 30s))
      << "a: " << haproxy_status("a") << ", b: " << haproxy_status("b");
  const auto converged_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - flip_at).count();
  std::cerr << "haproxy followed the role flip in " << converged_ms << " ms\n";
  const auto after = spread(40);
  EXPECT_EQ(after.second, 40) << "every request to the new active B";
  EXPECT_EQ(after.first, 0) << "none to the fenced A";
  EXPECT_EQ(http_get(http_a, "/role").first, 503);
  EXPECT_EQ(http_get(http_b, "/role").first, 200);
  EXPECT_EQ(role_check(*a_), 2) << "fenced";
  EXPECT_EQ(role_check(*b_), 0) << "active";
}

// `run --agent-listen` and GET /role on run's health endpoint: the relay's
// own target is passive → "maint" / 503 with the relay's state in the body;
// fenced → the relay stops with the fence error (promote's guard). The relay streams nothing of interest (--include of
// a database nobody writes); the role rows are written with RoleStore.
TEST_F(HaproxyRoleTest, RunAnswersAgentAndRoleForItsTarget) {
  if (a_->query_value("SELECT COUNT(*) FROM mysql.user WHERE user = 'lb_repl'") == "0") {
    a_->create_user("lb_repl", kRolePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  }
  if (b_->query_value("SELECT COUNT(*) FROM mysql.user WHERE user = 'lb_target'") == "0") {
    b_->create_user(
        "lb_target", kRolePassword,
        "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, TRIGGER ON *.*");
  }
  ::setenv("GALAXIS_SOURCE_PASSWORD", kRolePassword, 1);
  set_role(*a_, sql::ServerRole::kActive, 1);
  set_role(*b_, sql::ServerRole::kPassive, 1);
  const uint16_t agent = free_loopback_port();
  const uint16_t health = free_loopback_port();
  RelayProcess relay(
      {"run", "--source", "mysql://lb_repl@127.0.0.1:" + std::to_string(a_->port()), "--target",
       "mysql://lb_target@127.0.0.1:" + std::to_string(b_->port()), "--initial", "from-now", "--stream", "lb_pair",
       "--checkpoint-schema", "lb_meta", "--include", "lb_nothing", "--server-id", "7391", "--agent-listen",
       "127.0.0.1:" + std::to_string(agent), "--health-listen", "127.0.0.1:" + std::to_string(health)},
      ::testing::TempDir() + "lb_run.log");
  ASSERT_TRUE(eventually(
      [&] {
        const auto [code, body] = http_get(health, "/role");
        return code == 503 && body.find("\"state\":\"streaming\"") != std::string::npos;
      },
      30s))
      << http_get(health, "/role").second << relay.log();
  EXPECT_EQ(agent_line(agent), "maint\n");
  const auto [code, body] = http_get(health, "/role");
  EXPECT_NE(body.find("\"role\":\"passive\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"lag_seconds\""), std::string::npos) << body;
  set_role(*b_, sql::ServerRole::kFenced, 2);
  // Two readers see the fence: the role monitor (the agent turns "down") and
  // the relay's fence check with its next status write, which stops the
  // relay with the fence error. Until the process is gone the agent may say
  // "maint" (not seen yet) or "down", never "up ready".
  std::vector<std::string> answers;
  EXPECT_TRUE(eventually(
      [&] {
        try {
          answers.push_back(agent_line(agent));
        } catch (const Error&) {
          // Not listening any more: the relay is stopping.
        }
        return !relay.running();
      },
      30s))
      << relay.log();
  for (const std::string& answer : answers) EXPECT_TRUE(answer == "maint\n" || answer == "down\n") << answer;
  EXPECT_EQ(relay.wait(30s), 1) << relay.log();
  EXPECT_NE(relay.log().find("says fenced"), std::string::npos) << relay.log();
}

}  // namespace
}  // namespace galaxis::testing
