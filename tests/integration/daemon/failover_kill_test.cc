// The master's mysqld/mariadbd killed with SIGKILL (a crash, not a network
// cut): a PRIVATE master server (the shared one serves the other tests) with
// two relays to the shared passive, two pairs:
//   pair A: the relay had applied everything it received when the master
//           died → promote succeeds;
//   pair B: a row lock on the passive holds back the last two received
//           transactions → promote refuses and names the window (position
//           received, last event, last heartbeat); --force promotes anyway,
//           audited, and the passive lacks exactly those two transactions.
// The oracle: the master restarted on its datadir (SIGKILL of the process
// loses nothing the server acknowledged, sync_binlog=0 or not: the page
// cache survives) compared with the passive.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon_support.h"
#include "galaxis/testing/harness.h"
#include "relay_process.h"

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSourceUser = "fk_repl";
constexpr const char* kSourcePassword = "fk src";
constexpr const char* kTargetUser = "fk_target";
constexpr const char* kTargetPassword = "fk tgt";
constexpr const char* kTargetGrants = kRestrictedTargetGrants;

class MasterKilledTest : public ::testing::TestWithParam<Flavor> {
 protected:
  struct Pair {
    std::string db;  // = stream = pair
    std::string audit;
    std::unique_ptr<RelayProcess> relay;
  };

  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    ServerOptions o;
    o.flavor = GetParam();
    o.role = Role::kMaster;
    o.server_id = 41;
    master_ = std::make_unique<Server>(o);
    master_->start();
    master_->create_user(kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_user(*passive_, kTargetUser, kTargetPassword, kTargetGrants);
    ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
    ::setenv("GALAXIS_TARGET_PASSWORD", kTargetPassword, 1);
    const std::string suffix = std::to_string(static_cast<int>(GetParam()));
    a_.db = "fk_a_" + suffix;
    b_.db = "fk_b_" + suffix;
    for (Pair* p : {&a_, &b_}) {
      p->audit = ::testing::TempDir() + p->db + ".audit.jsonl";
      ::unlink(p->audit.c_str());
      clean_passive(p->db);
      for (Server* s : {master_.get(), passive_}) {
        s->exec("CREATE DATABASE " + p->db);
        s->exec("CREATE TABLE " + p->db + ".t (id INT PRIMARY KEY, v VARCHAR(40))");
      }
    }
  }

  void clean_passive(const std::string& db) {
    passive_->exec("DROP DATABASE IF EXISTS " + db);
    passive_->exec("CREATE DATABASE IF NOT EXISTS galaxis_relay");
    for (const char* table : {"checkpoint", "status", "role"}) {
      if (passive_->query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='galaxis_relay' "
                                "AND table_name='" +
                                std::string(table) + "'") == "0") {
        continue;
      }
      const std::string key = std::string(table) == "role" ? "pair" : "stream";
      passive_->exec("DELETE FROM galaxis_relay." + std::string(table) + " WHERE " + key + "='" + db + "' OR " + key +
                     " LIKE '" + db + "#%'");
    }
  }

  void TearDown() override {
    for (Pair* p : {&a_, &b_}) {
      if (p->relay && p->relay->running()) p->relay->signal(SIGKILL);
      if (HasFailure() && p->relay) std::cerr << p->db << " relay log:\n" << p->relay->log() << "\n";
      if (HasFailure()) std::cerr << p->db << " audit log:\n" << read_file(p->audit) << "\n";
      if (passive_) clean_passive(p->db);
    }
  }

  std::string source_url() const {
    return "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(master_->port());
  }
  std::string target_url() const {
    return "mysql://" + std::string(kTargetUser) + "@127.0.0.1:" + std::to_string(passive_->port());
  }

  void start_relay(Pair& p, uint32_t server_id) {
    p.relay = std::make_unique<RelayProcess>(
        std::vector<std::string>{"run", "--source", source_url(), "--target", target_url(), "--initial", "from-now",
                                 "--stream", p.db, "--include", p.db, "--server-id", std::to_string(server_id),
                                 "--heartbeat-ms", "300", "--parallel", "1"},
        ::testing::TempDir() + p.db + ".relay.log");
    // Started = its checkpoint row exists (from-now has read the master's position).
    ASSERT_TRUE(eventually([&] { return !p.relay->running() || has_checkpoint_position(*passive_, p.db); }, 60s));
    ASSERT_TRUE(p.relay->running()) << p.relay->log();
  }

  std::string status(const Pair& p, const std::string& column) {
    return passive_->query_value("SELECT " + column + " FROM galaxis_relay.status WHERE stream='" + p.db + "'");
  }

  ProcessResult promote(const Pair& p, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {GALAXIS_BINARY, "promote",    "--source",        source_url(),
                                     "--target",     target_url(), "--stream",        p.db,
                                     "--audit-log",  p.audit,      "--drain-timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, 120);
  }

  std::unique_ptr<Server> master_;
  Server* passive_ = nullptr;
  Pair a_;
  Pair b_;
};

TEST_P(MasterKilledTest, RefusesWhileUnappliedPromotesWhenAppliedForceIsAudited) {
  ASSERT_NO_FATAL_FAILURE(start_relay(a_, 4101));
  ASSERT_NO_FATAL_FAILURE(start_relay(b_, 4102));
  for (Pair* p : {&a_, &b_}) master_->exec("INSERT INTO " + p->db + ".t VALUES (0, 'first')");
  for (Pair* p : {&a_, &b_}) {
    ASSERT_TRUE(eventually([&] { return passive_->query_value("SELECT COUNT(*) FROM " + p->db + ".t") == "1"; }, 60s))
        << p->relay->log();
  }
  // Pair B: its relay receives the next two transactions but cannot apply them.
  SqlConnection blocker = passive_->connect();
  blocker.exec("BEGIN");
  blocker.query_value("SELECT v FROM " + b_.db + ".t WHERE id = 0 FOR UPDATE");
  for (Pair* p : {&a_, &b_}) {
    master_->exec("UPDATE " + p->db + ".t SET v = 'changed' WHERE id = 0");
    master_->exec("INSERT INTO " + p->db + ".t VALUES (1, 'a')");
  }
  const BinlogStatus last = master_->binlog_status();
  ASSERT_TRUE(eventually([&] { return passive_->query_value("SELECT COUNT(*) FROM " + a_.db + ".t") == "2"; }, 30s))
      << a_.relay->log();
  // Both relays' status rows: everything received, and a heartbeat seen since.
  for (Pair* p : {&a_, &b_}) {
    ASSERT_TRUE(eventually(
        [&] {
          return status(*p, "source_file = '" + last.file +
                                "' AND source_position >= " + std::to_string(last.position) +
                                " AND last_heartbeat_at > last_event_received_at") == "1";
        },
        30s))
        << p->relay->log();
  }
  ASSERT_TRUE(eventually([&] { return status(a_, "events_pending") == "0"; }, 20s)) << a_.relay->log();

  master_->kill9();
  for (Pair* p : {&a_, &b_}) {
    ASSERT_TRUE(eventually([&] { return status(*p, "state") == "reconnecting"; }, 30s)) << p->relay->log();
  }

  // Pair B: refused; the window names the received position and both times (promote reads them in UTC).
  passive_->exec("SET time_zone = '+00:00'");
  const std::string received_b = status(b_, "CONCAT(source_file, ':', source_position)");
  const std::string event_at = status(b_, "last_event_received_at");
  const std::string heartbeat_at = status(b_, "last_heartbeat_at");
  const ProcessResult refused = promote(b_, {});
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("[fail] db position      master unreachable; received"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("may be lost: whatever the old master committed after " + received_b +
                             " (the last position the relay received; last event received " + event_at +
                             " UTC, last heartbeat " + heartbeat_at + " UTC;"),
            std::string::npos)
      << refused.out;
  bool window = false;
  for (const auto& r : audit_records(b_.audit)) {
    if (r["step"] != "window") continue;
    window = true;
    EXPECT_EQ(r["last_heartbeat_at"], heartbeat_at) << r.dump();
    EXPECT_EQ(r["last_event_received_at"], event_at) << r.dump();
  }
  EXPECT_TRUE(window) << read_file(b_.audit);

  // Pair A: everything received was applied: promoted without --force.
  const ProcessResult promoted = promote(a_, {});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.out << promoted.err;
  EXPECT_NE(promoted.out.find("[pass] db position      master unreachable; everything received is applied"),
            std::string::npos)
      << promoted.out;
  EXPECT_NE(promoted.out.find("NOT fenced"), std::string::npos) << promoted.out;

  // Pair B with --force: promoted, audited as forced; the relay's blocked batch is rolled back.
  const ProcessResult forced = promote(b_, {"--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  blocker.exec("ROLLBACK");
  const auto records = audit_records(b_.audit);
  bool refused_record = false, forced_record = false, flip_forced = false;
  for (const auto& r : records) {
    refused_record = refused_record || (r["step"] == "promote" && r["outcome"] == "refused");
    forced_record = forced_record || (r["step"] == "promote" && r["outcome"] == "forced");
    flip_forced = flip_forced || (r["step"] == "flip" && r["forced"] == true);
  }
  EXPECT_TRUE(refused_record && forced_record && flip_forced) << read_file(b_.audit);
  EXPECT_EQ(passive_->query_value("SELECT CONCAT(role, ' ', changed_by LIKE '%(forced)') FROM galaxis_relay.role "
                                  "WHERE pair='" +
                                  b_.db + "'"),
            "active 1");
  for (Pair* p : {&a_, &b_}) {
    const auto exit = p->relay->wait(60s);
    ASSERT_TRUE(exit.has_value()) << p->relay->log();
    EXPECT_NE(p->relay->log().find("refusing to apply"), std::string::npos) << p->relay->log();
  }

  // The oracle: the master back on its datadir. Pair A equal; pair B lacks
  // exactly the two transactions of its window.
  master_->start();
  EXPECT_EQ(compare_databases(*master_, a_.db, *passive_, a_.db), "");
  EXPECT_EQ(master_->query_value("SELECT GROUP_CONCAT(id, v ORDER BY id) FROM " + b_.db + ".t"), "0changed,1a");
  EXPECT_EQ(passive_->query_value("SELECT GROUP_CONCAT(id, v ORDER BY id) FROM " + b_.db + ".t"), "0first");
}

INSTANTIATE_TEST_SUITE_P(Flavours, MasterKilledTest, ::testing::Values(Flavor::kMariaDB1011, Flavor::kMySQL97),
                         [](const ::testing::TestParamInfo<Flavor>& p) { return flavor_test_name(p.param); });

}  // namespace
}  // namespace galaxis::testing
