// `galaxis-relay promote` and the relay's fence, as an operator runs them:
// the real binary between real servers, the restricted target user of
// managed hosting (no SUPER: it kills only its own relay connections and
// takes the stream lock), root only as the optional --admin-* credentials.
//
// Servers are shared with the other daemon tests, so each test uses its own
// database and stream (= pair) and TearDown puts the master back to
// read_only=OFF and deletes its role rows.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../relay/tcp_proxy.h"
#include "daemon_support.h"
#include "galaxis/testing/harness.h"
#include "relay_process.h"

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSourceUser = "fo_repl";
constexpr const char* kSourcePassword = "fo 'src";
constexpr const char* kTargetUser = "fo_target";
constexpr const char* kTargetPassword = "fo \"tgt";
constexpr const char* kAppUser = "fo_app";
constexpr const char* kAppPassword = "fo app";
constexpr const char* kSysbenchUser = "fo_sb";  // empty password: MySQL 9.7's caching_sha2 without TLS
constexpr const char* kTargetGrants = kRestrictedTargetGrants;

bool has_record(const std::vector<nlohmann::json>& records, const std::string& step, const std::string& outcome) {
  for (const auto& r : records) {
    if (r["step"] == step && r["outcome"] == outcome) return true;
  }
  return false;
}

class FailoverTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_user(*master_, kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
    ensure_user(*master_, kAppUser, kAppPassword, "SELECT, INSERT, UPDATE, DELETE, CREATE ON *.*");
    ensure_user(*passive_, kTargetUser, kTargetPassword, kTargetGrants);
    ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
    ::setenv("GALAXIS_TARGET_PASSWORD", kTargetPassword, 1);
    ::setenv("GALAXIS_ADMIN_SOURCE_PASSWORD", "", 1);
    ::setenv("GALAXIS_ADMIN_TARGET_PASSWORD", "", 1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name());
    name = name.substr(0, name.find('/'));
    std::string short_name;
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') short_name += static_cast<char>(c - 'A' + 'a');
    }
    db_ = "fo_" + short_name + "_" + std::to_string(static_cast<int>(GetParam()));
    stream_ = db_;
    server_id_ = 8000 + static_cast<uint32_t>(std::hash<std::string>{}(db_) % 10000);
    log_path_ = ::testing::TempDir() + db_ + ".relay.log";
    audit_path_ = ::testing::TempDir() + db_ + ".audit.jsonl";
    ::unlink(log_path_.c_str());
    ::unlink(audit_path_.c_str());
    clean();
    // On both: the relays start --initial from-now, after this.
    for (Server* server : {master_, passive_}) {
      server->exec("CREATE DATABASE " + db_);
      server->exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v VARCHAR(40))");
    }
  }

  void clean() {
    master_->exec("SET GLOBAL read_only = OFF");  // MySQL: super_read_only too
    master_->exec("DROP DATABASE IF EXISTS " + db_);
    passive_->exec("DROP DATABASE IF EXISTS " + db_);
    for (Server* s : {master_, passive_}) {
      s->exec("CREATE DATABASE IF NOT EXISTS galaxis_relay");
      for (const char* table : {"checkpoint", "status", "role"}) {
        if (s->query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='galaxis_relay' "
                           "AND table_name='" +
                           std::string(table) + "'") == "0") {
          continue;
        }
        const std::string key = std::string(table) == "role" ? "pair" : "stream";
        s->exec("DELETE FROM galaxis_relay." + std::string(table) + " WHERE " + key + "='" + stream_ + "' OR " + key +
                " LIKE '" + stream_ + "#%'");
      }
    }
  }

  void TearDown() override {
    if (relay_ && relay_->running()) relay_->signal(SIGKILL);
    if (HasFailure() && relay_) std::cerr << "relay log (" << log_path_ << "):\n" << relay_->log() << "\n";
    if (HasFailure()) std::cerr << "audit log:\n" << read_file(audit_path_) << "\n";
    if (master_) clean();
  }

  std::string source_url(uint16_t port = 0) const {
    return "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(port ? port : master_->port());
  }
  std::string target_url() const {
    return "mysql://" + std::string(kTargetUser) + "@127.0.0.1:" + std::to_string(passive_->port());
  }

  void start_relay(uint16_t source_port = 0, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"run",
                                     "--source",
                                     source_url(source_port),
                                     "--target",
                                     target_url(),
                                     "--initial",
                                     "from-now",
                                     "--stream",
                                     stream_,
                                     "--include",
                                     db_,
                                     "--server-id",
                                     std::to_string(server_id_),
                                     "--heartbeat-ms",
                                     "500"};
    args.insert(args.end(), extra.begin(), extra.end());
    relay_ = std::make_unique<RelayProcess>(args, log_path_);
    const bool started = eventually(
        [&] {
          if (!relay_->running()) return true;
          return has_checkpoint_position(*passive_, stream_);
        },
        60s);
    ASSERT_TRUE(started && relay_->running()) << "relay did not start:\n" << relay_->log();
  }

  ProcessResult promote(const std::vector<std::string>& extra, uint16_t source_port = 0) {
    std::vector<std::string> args = {GALAXIS_BINARY, "promote",  "--source", source_url(source_port), "--target",
                                     target_url(),   "--stream", stream_,    "--audit-log",           audit_path_};
    if (std::find(extra.begin(), extra.end(), "--drain-timeout") == extra.end()) {
      args.insert(args.end(), {"--drain-timeout", "30"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, 120);
  }

  nlohmann::json status_json(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {GALAXIS_BINARY, "status",   "--source", source_url(), "--target",
                                     target_url(),   "--stream", stream_,    "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult r = run_process(args, 60);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  uint64_t passive_rows() { return std::stoull(passive_->query_value("SELECT COUNT(*) FROM " + db_ + ".t")); }

  Server* master_ = nullptr;
  Server* passive_ = nullptr;
  std::string db_;
  std::string stream_;
  uint32_t server_id_ = 0;
  std::string log_path_;
  std::string audit_path_;
  std::unique_ptr<RelayProcess> relay_;
};

// Planned switchover while a client writes: every insert the client saw
// committed is on the new active exactly once; the fenced master refuses the
// client's writes; the relay stops and refuses to start toward the promoted
// server.
TEST_P(FailoverTest, PlannedSwitchoverUnderWriteLoad) {
  start_relay();
  // The status row is written as the relay starts, not 2 s later.
  EXPECT_NE(status_json()["relay_state"], "never run");
  // sysbench oltp_write_only (2 tables x 1000 rows, prepared through the
  // relay) as a DML-only user: read_only stops it at the fence on both flavours.
  ensure_user(*master_, kSysbenchUser, "", "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON *.*");
  const std::vector<std::string> sysbench = {"/usr/bin/sysbench",
                                             "oltp_write_only",
                                             "--db-driver=mysql",
                                             "--mysql-host=127.0.0.1",
                                             "--mysql-port=" + std::to_string(master_->port()),
                                             std::string("--mysql-user=") + kSysbenchUser,
                                             "--mysql-password=",
                                             "--mysql-db=" + db_,
                                             "--tables=2",
                                             "--table-size=1000"};
  auto with = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const ProcessResult prepared = run_process(with(sysbench, {"prepare"}), 120);
  ASSERT_EQ(prepared.exit_code, 0) << prepared.out << prepared.err;
  // Row counts and CHECKSUM TABLE of sysbench's tables (same flavour on both sides: comparable).
  const auto checksums = [&](Server& s) {
    std::string out;
    for (const char* table : {"sbtest1", "sbtest2"}) {
      const SqlRows rows = s.query("CHECKSUM TABLE " + db_ + "." + table);
      out += s.query_value("SELECT COUNT(*) FROM " + db_ + "." + table) + ":" +
             (rows.empty() ? "none" : rows[0][1].value_or("NULL")) + " ";
    }
    return out;
  };
  const std::string prepared_sums = checksums(*master_);
  ASSERT_TRUE(eventually([&] { return checksums(*passive_) == prepared_sums; }, 60s)) << relay_->log();
  ProcessResult load;
  std::thread load_thread([&] { load = run_process(with(sysbench, {"--threads=2", "--time=60", "run"}), 120); });
  struct JoinLoad {
    std::thread& thread;
    ~JoinLoad() {
      if (thread.joinable()) thread.join();
    }
  } join_load{load_thread};
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::string client_error;
  std::thread client([&] {
    SqlConnection app = master_->connect(kAppUser, kAppPassword);
    for (int id = 1; !stop; ++id) {
      try {
        app.exec("INSERT INTO " + db_ + ".t VALUES (" + std::to_string(id) + ", 'row " + std::to_string(id) + "')");
        acknowledged = id;
      } catch (const std::exception& e) {
        client_error = e.what();
        return;
      }
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Join() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{stop, client};
  ASSERT_TRUE(eventually([&] { return acknowledged > 200 && passive_rows() > 100; }, 30s)) << relay_->log();
  // sysbench has committed on the master; then a few seconds of both loads.
  ASSERT_TRUE(eventually([&] { return checksums(*master_) != prepared_sums; }, 30s)) << load.out << load.err;
  std::this_thread::sleep_for(2s);
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult result = promote({"--admin-source", master_->url(), "--admin-target", passive_->url()});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  stop = true;
  client.join();
  load_thread.join();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  std::cerr << "promote took " << ms.count() << " ms; client acknowledged " << acknowledged << " inserts\n";
  // The fence stopped sysbench long before its 60 s: read-only, or its
  // session killed when its open transaction blocked read_only (promote.cc set_global_on).
  EXPECT_NE(load.exit_code, 0) << load.out;
  const std::string load_text = load.out + load.err;  // sysbench prints FATAL on stdout
  EXPECT_TRUE(load_text.find("read-only") != std::string::npos || load_text.find("onnection") != std::string::npos ||
              load_text.find("gone away") != std::string::npos)
      << load.out << load.err;
  // sysbench's tables on the new active equal the fenced master's (its state at the fence: it is read-only since).
  EXPECT_EQ(checksums(*passive_), checksums(*master_));
  EXPECT_NE(checksums(*master_), prepared_sums);
  // The fence stopped the client (read-only, or its session killed), not the test; a new write fails.
  EXPECT_FALSE(client_error.empty());
  EXPECT_EQ(master_->query_value("SELECT @@GLOBAL.read_only"), "1");
  try {
    master_->connect(kAppUser, kAppPassword).exec("INSERT INTO " + db_ + ".t VALUES (-2, 'fenced')");
    ADD_FAILURE() << "the fenced master took a write";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
  }
  // Everything acknowledged is on the new active, nothing doubled (the master's rows are the oracle).
  // The client's one insert in flight at the fence may have committed without
  // its acknowledgement (its session killed between commit and OK, the
  // ambiguous outcome every client has when a connection dies): it may be
  // there, on both servers alike, but nothing beyond it.
  const int acked = acknowledged.load();
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM " + db_ + ".t WHERE id BETWEEN 1 AND " + std::to_string(acked)),
            std::to_string(acked));
  const uint64_t rows = passive_rows();
  EXPECT_TRUE(rows == static_cast<uint64_t>(acked) || rows == static_cast<uint64_t>(acked) + 1)
      << rows << " rows, " << acked << " acknowledged";
  EXPECT_EQ(passive_->query_value("SELECT COUNT(DISTINCT id) FROM " + db_ + ".t"), std::to_string(rows));
  EXPECT_EQ(compare_databases(*master_, db_, *passive_, db_), "");
  // Roles: target active epoch 1 with the promotion position; source fenced.
  EXPECT_EQ(
      passive_->query_value("SELECT CONCAT(role, ' ', epoch) FROM galaxis_relay.role WHERE pair='" + stream_ + "'"),
      "active 1");
  EXPECT_EQ(passive_->query_value("SELECT promoted_source_position IS NOT NULL FROM galaxis_relay.role WHERE pair='" +
                                  stream_ + "'"),
            "1");
  EXPECT_EQ(
      master_->query_value("SELECT CONCAT(role, ' ', epoch) FROM galaxis_relay.role WHERE pair='" + stream_ + "'"),
      "fenced 1");
  // status: the roles per server and a verdict that names why not (again).
  const nlohmann::json after = status_json();
  EXPECT_EQ(after["roles"]["target"].get<std::string>().rfind("active (epoch 1", 0), 0u) << after.dump(1);
  EXPECT_EQ(after["roles"]["source"].get<std::string>().rfind("fenced (epoch 1", 0), 0u) << after.dump(1);
  EXPECT_EQ(after["safe_to_promote"]["safe"], false);
  EXPECT_NE(after["safe_to_promote"]["verdict"].get<std::string>().find("role: target is active"), std::string::npos)
      << after.dump(1);
  // The new active takes writes from the application.
  SqlConnection app = passive_->connect();
  app.exec("INSERT INTO " + db_ + ".t VALUES (-1, 'after')");
  // The running relay was stopped and refuses to go on.
  const auto relay_exit = relay_->wait(60s);
  ASSERT_TRUE(relay_exit.has_value()) << relay_->log();
  EXPECT_NE(*relay_exit, 0);
  EXPECT_NE(relay_->log().find("refusing to apply"), std::string::npos) << relay_->log();
  // Restarted toward the promoted server: refused at once, naming server, pair and epoch.
  RelayProcess again({"run", "--source", source_url(), "--target", target_url(), "--stream", stream_, "--include", db_,
                      "--server-id", std::to_string(server_id_)},
                     log_path_ + ".again");
  const auto again_exit = again.wait(60s);
  ASSERT_TRUE(again_exit.has_value());
  EXPECT_EQ(*again_exit, 1);
  EXPECT_NE(again.log().find("refusing to apply to " + std::string(kTargetUser)), std::string::npos) << again.log();
  EXPECT_NE(again.log().find("pair '" + stream_ + "' says active (epoch 1"), std::string::npos) << again.log();
  const auto records = audit_records(audit_path_);
  for (const char* s : {"checklist", "fence", "drain", "stop relay", "writable", "flip", "promote"}) {
    EXPECT_TRUE(has_record(records, s, "ok")) << s << "\n" << read_file(audit_path_);
  }
}

// The fence must not stall behind application sessions: one holds a row
// lock in an open transaction, another's UPDATE waits for it. read_only=ON
// waits for that running UPDATE (until innodb_lock_wait_timeout, 50 s);
// promote gives each try 2 s, kills the sessions with open transactions
// (nothing they did was committed) and fences. Their writes are on neither side.
TEST_P(FailoverTest, FenceDoesNotStallBehindBlockedStatements) {
  start_relay();
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1, 'a'), (2, 'b')");
  ASSERT_TRUE(eventually([&] { return passive_rows() == 2; }, 30s)) << relay_->log();
  SqlConnection holder = master_->connect(kAppUser, kAppPassword);
  holder.exec("BEGIN");
  holder.exec("UPDATE " + db_ + ".t SET v = 'held' WHERE id = 1");
  std::string waiter_error;
  std::thread waiter([&] {
    try {
      master_->connect(kAppUser, kAppPassword).exec("UPDATE " + db_ + ".t SET v = 'waited' WHERE id = 1");
    } catch (const std::exception& e) {
      waiter_error = e.what();
    }
  });
  struct JoinWaiter {
    std::thread& thread;
    SqlConnection& holder;
    ~JoinWaiter() {
      if (!thread.joinable()) return;
      try {
        holder.exec("ROLLBACK");  // frees the waiter when the test stops early
      } catch (const std::exception&) {
        // killed by promote already: the waiter is free too
      }
      thread.join();
    }
  } join_waiter{waiter, holder};
  ASSERT_TRUE(eventually(
      [&] {
        return master_->query_value(
                   "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                   "'UPDATE %waited%' AND INFO NOT LIKE '%PROCESSLIST%'") == "1";
      },
      20s))
      << waiter_error;
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult result = promote({"--admin-source", master_->url(), "--admin-target", passive_->url()});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  waiter.join();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_LT(ms.count(), 20000) << result.out;
  std::cerr << "promote took " << ms.count() << " ms\n";
  EXPECT_FALSE(waiter_error.empty());
  EXPECT_NE(result.out.find("killed the sessions with open transactions that blocked it"), std::string::npos)
      << result.out;
  EXPECT_EQ(master_->query_value("SELECT @@GLOBAL.read_only"), "1");
  EXPECT_EQ(master_->query_value("SELECT GROUP_CONCAT(id, v ORDER BY id) FROM " + db_ + ".t"), "1a,2b");
  EXPECT_EQ(compare_databases(*master_, db_, *passive_, db_), "");
}

// Without admin credentials: promote says exactly what it could not fence.
TEST_P(FailoverTest, WithoutAdminCredentialsSaysWhatIsNotFenced) {
  start_relay();
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1, 'a'), (2, 'b')");
  const ProcessResult result = promote({});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("NOT read-only (no --admin-source)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("role row NOT written"), std::string::npos) << result.out;
  EXPECT_EQ(master_->query_value("SELECT @@GLOBAL.read_only"), "0");
  EXPECT_EQ(passive_rows(), 2u);
}

// FLUSH BINARY LOGS after the last write (twice): the master's final
// position is then in a newer file than the relay's checkpoint, with only
// Rotate/Format_desc/Previous_gtids (Gtid_list, Binlog_checkpoint) between.
// No --admin-source, so promote writes nothing to the master after the
// rotation: the drain must accept it by both rules (drain_rule.h) at once,
// not wait for its timeout.
TEST_P(FailoverTest, RotationAfterTheLastWriteDrains) {
  start_relay();
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1, 'a'), (2, 'b')");
  const BinlogStatus last = master_->binlog_status();
  // Every checkpoint row (the plain one or parallel apply's worker rows) at the last write.
  ASSERT_TRUE(eventually(
      [&] {
        return passive_->query_value("SELECT MIN(binlog_file = '" + last.file + "' AND binlog_position >= " +
                                     std::to_string(last.position) + ") FROM galaxis_relay.checkpoint WHERE stream='" +
                                     stream_ + "' OR stream LIKE '" + stream_ + "#%'") == "1";
      },
      30s))
      << relay_->log();
  master_->exec("FLUSH BINARY LOGS");
  master_->exec("FLUSH BINARY LOGS");
  ASSERT_NE(master_->binlog_status().file, last.file);
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult result = promote({"--drain-timeout", "10"});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_LT(ms.count(), 10000) << result.out;
  bool checked = false;
  for (const auto& r : audit_records(audit_path_)) {
    if (r["step"] != "drain") continue;
    checked = true;
    EXPECT_EQ(r["outcome"], "ok") << r.dump();
    EXPECT_EQ(r["by_position"], true) << r.dump();
    EXPECT_EQ(r["by_gtid"], true) << r.dump();
    EXPECT_EQ(r["applied"]["file"], last.file) << r.dump();
    EXPECT_NE(r["final"]["file"], last.file) << r.dump();
  }
  EXPECT_TRUE(checked) << read_file(audit_path_);
  EXPECT_NE(result.out.find("rotation/header events between applied " + last.file), std::string::npos) << result.out;
  EXPECT_EQ(compare_databases(*master_, db_, *passive_, db_), "");
}

// The master dies (its proxy goes away): refused while the relay holds
// received events it could not apply (a row lock on the passive blocks it),
// promoted once they are applied, with the window that may be lost.
TEST_P(FailoverTest, DeadMasterRefusesUntilAppliedThenPromotes) {
  auto proxy = std::make_unique<TcpProxy>(master_->port());
  const uint16_t proxy_port = proxy->port();
  start_relay(proxy_port, {"--parallel", "1"});
  master_->exec("INSERT INTO " + db_ + ".t VALUES (0, 'first')");
  ASSERT_TRUE(eventually([&] { return passive_rows() == 1; }, 30s)) << relay_->log();
  SqlConnection blocker = passive_->connect();
  blocker.exec("BEGIN");
  blocker.query_value("SELECT v FROM " + db_ + ".t WHERE id = 0 FOR UPDATE");
  master_->exec("UPDATE " + db_ + ".t SET v = 'changed' WHERE id = 0");
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1, 'a')");
  const BinlogStatus last = master_->binlog_status();
  // The relay's status row says it received everything (and applied nothing of it).
  ASSERT_TRUE(eventually(
      [&] {
        return passive_->query_value("SELECT source_position >= " + std::to_string(last.position) +
                                     " AND source_file = '" + last.file + "' FROM galaxis_relay.status WHERE stream='" +
                                     stream_ + "'") == "1";
      },
      20s));
  proxy.reset();  // the master is gone for the relay and for promote
  ASSERT_TRUE(eventually(
      [&] {
        return passive_->query_value("SELECT state FROM galaxis_relay.status WHERE stream='" + stream_ + "'") ==
               "reconnecting";
      },
      20s));
  const ProcessResult refused = promote({}, proxy_port);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("[fail] db position      master unreachable; received"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("may be lost: whatever the old master committed after"), std::string::npos) << refused.out;
  blocker.exec("ROLLBACK");
  ASSERT_TRUE(eventually([&] { return passive_rows() == 2; }, 30s)) << relay_->log();
  // Wait for the status row to say nothing is pending any more.
  ASSERT_TRUE(eventually(
      [&] {
        return passive_->query_value("SELECT events_pending FROM galaxis_relay.status WHERE stream='" + stream_ +
                                     "'") == "0";
      },
      20s));
  const ProcessResult promoted = promote({}, proxy_port);
  ASSERT_EQ(promoted.exit_code, 0) << promoted.out << promoted.err;
  EXPECT_NE(promoted.out.find("[pass] db position      master unreachable; everything received is applied"),
            std::string::npos)
      << promoted.out;
  EXPECT_EQ(compare_databases(*master_, db_, *passive_, db_), "");
  EXPECT_EQ(passive_->query_value("SELECT role FROM galaxis_relay.role WHERE pair='" + stream_ + "'"), "active");
  const auto relay_exit = relay_->wait(60s);
  ASSERT_TRUE(relay_exit.has_value()) << relay_->log();
  EXPECT_NE(relay_->log().find("refusing to apply"), std::string::npos) << relay_->log();
}

// Nothing known about what the dead master had: refused; --force promotes and is audited.
TEST_P(FailoverTest, ForceIsAudited) {
  const uint16_t dead = free_loopback_port();
  const ProcessResult refused = promote({}, dead);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  const ProcessResult forced = promote({"--force"}, dead);
  ASSERT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  const auto records = audit_records(audit_path_);
  EXPECT_TRUE(has_record(records, "promote", "refused")) << read_file(audit_path_);
  EXPECT_TRUE(has_record(records, "promote", "forced")) << read_file(audit_path_);
  bool flip_forced = false;
  for (const auto& r : records) flip_forced = flip_forced || (r["step"] == "flip" && r["forced"] == true);
  EXPECT_TRUE(flip_forced) << read_file(audit_path_);
  EXPECT_EQ(
      passive_->query_value("SELECT changed_by LIKE '%(forced)' FROM galaxis_relay.role WHERE pair='" + stream_ + "'"),
      "1");
}

// Anti-flap and the veto hook, with --dry-run: a promotion 10 minutes ago
// blocks (default --block-hours 1) unless acknowledged; a hook exiting
// non-zero vetoes.
TEST_P(FailoverTest, AntiFlapAndVetoHook) {
  // A checkpoint at the master's current position, as a caught-up relay leaves it.
  const BinlogStatus now = master_->binlog_status();
  passive_->exec(
      "CREATE TABLE IF NOT EXISTS galaxis_relay.checkpoint (stream VARCHAR(64) PRIMARY KEY, binlog_file "
      "VARCHAR(512), binlog_position BIGINT UNSIGNED, gtid_set LONGTEXT, ddl_pending TINYINT NOT NULL DEFAULT 0, "
      "updated_at TIMESTAMP(6) NULL)");
  passive_->exec("INSERT INTO galaxis_relay.checkpoint (stream, binlog_file, binlog_position, gtid_set) VALUES ('" +
                 stream_ + "', '" + now.file + "', " + std::to_string(now.position) + ", '')");
  // Promoted 10 minutes ago, then failed back: passive again at epoch 1.
  passive_->exec(
      "CREATE TABLE IF NOT EXISTS galaxis_relay.role (pair VARCHAR(64) NOT NULL PRIMARY KEY, role "
      "ENUM('active','passive','fenced') NOT NULL, epoch BIGINT UNSIGNED NOT NULL DEFAULT 0, promoted_source_file "
      "VARCHAR(512) NULL, promoted_source_position BIGINT UNSIGNED NULL, promoted_source_gtid LONGTEXT NULL, "
      "own_binlog_file VARCHAR(512) NULL, own_binlog_position BIGINT UNSIGNED NULL, own_binlog_gtid LONGTEXT NULL, "
      "changed_at TIMESTAMP(6) NULL, changed_by VARCHAR(255) NULL)");
  passive_->exec("INSERT INTO galaxis_relay.role (pair, role, epoch, changed_at) VALUES ('" + stream_ +
                 "', 'passive', 1, UTC_TIMESTAMP(6) - INTERVAL 10 MINUTE)");
  const ProcessResult blocked = promote({"--dry-run"});
  EXPECT_EQ(blocked.exit_code, 3) << blocked.out << blocked.err;
  EXPECT_NE(blocked.out.find("[fail] recent promotion last 6"), std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("safe to promote: no because recent promotion"), std::string::npos) << blocked.out;
  const ProcessResult vetoed = promote({"--dry-run", "--ack-recent-promotion", "--pre-promote", "exit 7"});
  EXPECT_EQ(vetoed.exit_code, 3) << vetoed.out;
  EXPECT_NE(vetoed.out.find("[fail] veto hook        'exit 7' exit 7"), std::string::npos) << vetoed.out;
  // Not a dry run: the veto aborts before anything changes.
  const ProcessResult aborted = promote({"--ack-recent-promotion", "--pre-promote", "exit 7"});
  EXPECT_EQ(aborted.exit_code, 3) << aborted.out;
  EXPECT_EQ(passive_->query_value("SELECT role FROM galaxis_relay.role WHERE pair='" + stream_ + "'"), "passive");
  // Files and code gates: a fresh mirror marker; the passive's release differs from the active's.
  const std::string dir = ::testing::TempDir() + db_ + ".gates";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/mirror/.galaxis-mirror");
  const double completed = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ofstream(dir + "/mirror/.galaxis-mirror/complete.json")
      << "{\"completed_unix\": " << std::fixed << completed - 30 << "}";
  const std::string sha_a(40, 'a'), sha_b(40, 'b');
  std::filesystem::create_directories(dir + "/deploy/releases");
  std::filesystem::create_directory_symlink("releases/20261205T090102Z-" + sha_a, dir + "/deploy/current");
  const ProcessResult code_differs =
      promote({"--dry-run", "--ack-recent-promotion", "--mirror-dest", dir + "/mirror", "--max-files-age", "300",
               "--deploy-root", dir + "/deploy", "--peer-release-sha", sha_b});
  EXPECT_EQ(code_differs.exit_code, 3) << code_differs.out;
  EXPECT_NE(code_differs.out.find("[pass] files            last complete mirror cycle 3"), std::string::npos)
      << code_differs.out;
  EXPECT_NE(code_differs.out.find("[fail] code             passive runs " + sha_a + ", active runs " + sha_b),
            std::string::npos)
      << code_differs.out;
  const nlohmann::json status = status_json({"--mirror-dest", dir + "/mirror", "--deploy-root", dir + "/deploy",
                                             "--peer-release-sha", sha_a, "--max-files-age", "10"});
  EXPECT_EQ(status["code"]["target_release"], sha_a) << status.dump(1);
  EXPECT_GE(status["files"]["mirror_age_seconds"].get<double>(), 29.0) << status.dump(1);
  EXPECT_NE(status["safe_to_promote"]["verdict"].get<std::string>().find("files: last complete mirror cycle"),
            std::string::npos)
      << status.dump(1);
  const ProcessResult ok =
      promote({"--dry-run", "--ack-recent-promotion", "--pre-promote", "test -n \"$GALAXIS_PROMOTE_PAIR\""});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("safe to promote: yes"), std::string::npos) << ok.out;
  EXPECT_TRUE(has_record(audit_records(audit_path_), "promote", "refused"));
}

INSTANTIATE_TEST_SUITE_P(Flavours, FailoverTest,
                         ::testing::Values(Flavor::kMariaDB1011, Flavor::kMariaDB118, Flavor::kMySQL97),
                         [](const ::testing::TestParamInfo<Flavor>& p) { return flavor_test_name(p.param); });

}  // namespace
}  // namespace galaxis::testing
