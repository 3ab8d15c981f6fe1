// `galaxis-relay run` and `status` as an operator runs them: the real binary
// as a child process between real servers, with the restricted accounts of
// managed hosting (source REPLICATION SLAVE, REPLICATION CLIENT, SELECT;
// target DML/DDL only, no SUPER), passwords in the environment. After each
// scenario the passive must equal the master (compare_databases: every
// table, column layout and row), so anything lost or applied twice fails.
//
// Each test uses its own database, stream name and server_id on the shared
// servers and starts the relay --initial from-now (it waits for the relay's
// from-now checkpoint before writing), so tests do not see each other.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "daemon_support.h"
#include "galaxis/common/error.h"
#include "galaxis/testing/harness.h"
#include "relay_process.h"

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSourceUser = "daemon_repl";
constexpr const char* kSourcePassword = "d&emon 'src";
constexpr const char* kTargetUser = "daemon_target";
constexpr const char* kTargetPassword = "d@emon \"tgt";
constexpr const char* kTargetGrants = kRestrictedTargetGrants;

struct FlavorPair {
  Flavor master;
  Flavor passive;
};

std::string pair_name(const ::testing::TestParamInfo<FlavorPair>& info) {
  return flavor_test_name(info.param.master) + "_to_" + flavor_test_name(info.param.passive);
}

class DaemonTest : public ::testing::TestWithParam<FlavorPair> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam().master);
    GALAXIS_REQUIRE_FLAVOR(GetParam().passive);
    master_ = &shared_server(GetParam().master, Role::kMaster);
    passive_ = &shared_server(GetParam().passive, Role::kPassive);
    ensure_user(*master_, kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
    ensure_user(*passive_, kTargetUser, kTargetPassword, kTargetGrants);
    ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
    ::setenv("GALAXIS_TARGET_PASSWORD", kTargetPassword, 1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name());
    name = name.substr(0, name.find('/'));
    std::string short_name;
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') short_name += static_cast<char>(c - 'A' + 'a');
    }
    db_ = "dmn_" + short_name + "_" + std::to_string(static_cast<int>(GetParam().master)) +
          std::to_string(static_cast<int>(GetParam().passive));
    stream_ = db_;
    server_id_ = 7000 + static_cast<uint32_t>(std::hash<std::string>{}(db_) % 10000);
    log_path_ = ::testing::TempDir() + db_ + ".relay.log";
    ::unlink(log_path_.c_str());
    master_->exec("DROP DATABASE IF EXISTS " + db_);
    passive_->exec("DROP DATABASE IF EXISTS " + db_);
    passive_->exec("CREATE DATABASE IF NOT EXISTS galaxis_relay");
    for (const char* table : {"checkpoint", "status"}) {
      if (passive_->query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='galaxis_relay' "
                                "AND table_name='" +
                                std::string(table) + "'") != "0") {
        passive_->exec("DELETE FROM galaxis_relay." + std::string(table) + " WHERE stream='" + stream_ +
                       "' OR stream LIKE '" + stream_ + "#%'");  // parallel apply's worker rows too
      }
    }
  }

  void TearDown() override {
    if (relay_ && relay_->running()) relay_->signal(SIGKILL);
    if (HasFailure() && relay_) std::cerr << "relay log (" << log_path_ << "):\n" << relay_->log() << "\n";
  }

  std::string source_url() const {
    return "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(master_->port());
  }
  std::string target_url() const {
    return "mysql://" + std::string(kTargetUser) + "@127.0.0.1:" + std::to_string(passive_->port());
  }

  std::vector<std::string> run_args(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"run",
                                     "--source",
                                     source_url(),
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
                                     "--stats-interval",
                                     "1",
                                     "--heartbeat-ms",
                                     "500"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Starts the relay and waits until its checkpoint names a position, so that
  // everything written afterwards is streamed.
  void start_relay(const std::vector<std::string>& extra = {}) {
    relay_ = std::make_unique<RelayProcess>(run_args(extra), log_path_);
    const bool started = eventually(
        [&] {
          if (!relay_->running()) return true;
          return has_checkpoint_position(*passive_, stream_);
        },
        60s);
    ASSERT_TRUE(started && relay_->running()) << "relay did not start:\n" << relay_->log();
  }

  // Writes a marker row on the master and waits for it on the passive: then
  // everything before it has been applied.
  ::testing::AssertionResult caught_up(std::chrono::seconds timeout = 180s) {
    const int marker = ++marker_;
    master_->exec("CREATE TABLE IF NOT EXISTS " + db_ + ".marker (id INT PRIMARY KEY)");
    master_->exec("INSERT INTO " + db_ + ".marker VALUES (" + std::to_string(marker) + ")");
    if (eventually(
            [&] {
              if (relay_ && !relay_->running()) return true;  // fails below, without waiting for nothing
              return passive_->query_value("SELECT COUNT(*) FROM " + db_ +
                                           ".marker WHERE id=" + std::to_string(marker)) == "1";
            },
            timeout)) {
      if (relay_ && !relay_->running()) return ::testing::AssertionFailure() << "the relay exited";
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "passive did not catch up within " << timeout.count() << " s";
  }

  // The marker proves its own transaction arrived, not every earlier one: the
  // parallel applier's workers commit an epoch's transactions out of source
  // order (a chain of transactions on one hot key runs on one worker while
  // the marker commits on another). So equality is awaited until the epoch
  // ends; a row that was lost never arrives and fails here.
  void expect_equal() {
    std::string diff;
    eventually(
        [&] {
          diff = compare_databases(*master_, db_, *passive_, db_);
          return diff.empty();
        },
        30s);
    EXPECT_EQ(diff, "") << diff;
  }

  // FLUSH BINARY LOGS, then PURGE everything before the new file (retried:
  // a dump thread still reading an old file holds it for a moment).
  void purge_binlogs_to_current(Server& master) {
    master.exec("FLUSH BINARY LOGS");
    const BinlogStatus now = master.binlog_status();
    for (int i = 0; i < 100 && master.query("SHOW BINARY LOGS").front().front() != now.file; ++i) {
      master.exec("PURGE BINARY LOGS TO '" + now.file + "'");
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(master.query("SHOW BINARY LOGS").front().front(), now.file);
  }

  // Kills and restarts the relay (run with `extra` flags) during a write load.
  void sigkill_rounds(const std::vector<std::string>& extra);

  ProcessResult status_json(const std::vector<std::string>& extra = {"--json"}) {
    std::vector<std::string> args = {GALAXIS_BINARY, "status",     "--source", source_url(),
                                     "--target",     target_url(), "--stream", stream_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, 60);
  }

  Server* master_ = nullptr;
  Server* passive_ = nullptr;
  std::string db_;
  std::string stream_;
  uint32_t server_id_ = 0;
  std::string log_path_;
  std::unique_ptr<RelayProcess> relay_;
  int marker_ = 0;
};

// Thousands of tiny transactions, a binlog rotation mid-stream, a 300k-row
// transaction; /health, /metrics and status --json while streaming; SIGTERM
// exits 0 and the status row says "stopped".
TEST_P(DaemonTest, StreamsServesHealthAndStopsOnSigterm) {
  const uint16_t port = free_loopback_port();
  start_relay({"--health-listen", "127.0.0.1:" + std::to_string(port), "--max-lag", "30"});
  master_->exec("CREATE DATABASE " + db_);
  master_->exec("CREATE TABLE " + db_ + ".tiny (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(32), n INT)");
  {
    SqlConnection writer = master_->connect();
    for (int i = 0; i < 3000; ++i) {
      writer.exec("INSERT INTO " + db_ + ".tiny (v, n) VALUES ('t" + std::to_string(i) + "', " + std::to_string(i) +
                  ")");
      if (i == 1500) writer.exec("FLUSH BINARY LOGS");
      if (i % 7 == 0) writer.exec("UPDATE " + db_ + ".tiny SET n = n + 1 WHERE id = " + std::to_string(i / 2 + 1));
      if (i % 11 == 0) writer.exec("DELETE FROM " + db_ + ".tiny WHERE id = " + std::to_string(i / 3 + 1));
    }
    writer.exec("CREATE TABLE " + db_ + ".digits (d INT PRIMARY KEY)");
    writer.exec("INSERT INTO " + db_ + ".digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
    writer.exec("CREATE TABLE " + db_ + ".big (id INT PRIMARY KEY, payload VARCHAR(40))");
    // One transaction of 300,000 rows.
    writer.exec("INSERT INTO " + db_ +
                ".big SELECT a.d*100000+b.d*10000+c.d*1000+e.d*100+f.d*10+g.d, "
                "CONCAT('row-', a.d, b.d, c.d, e.d, f.d, g.d) FROM " +
                db_ + ".digits a, " + db_ + ".digits b, " + db_ + ".digits c, " + db_ + ".digits e, " + db_ +
                ".digits f, " + db_ + ".digits g WHERE a.d < 3");
  }
  ASSERT_TRUE(caught_up());
  expect_equal();
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM " + db_ + ".big"), "300000");

  // Health: streaming, caught up → 200 with a JSON body.
  ASSERT_TRUE(eventually([&] { return http_get(port, "/health").first == 200; }, 10s)) << relay_->log();
  const auto [code, body] = http_get(port, "/health");
  EXPECT_EQ(code, 200) << body;
  const auto health = nlohmann::json::parse(body);
  EXPECT_EQ(health["state"], "streaming");
  EXPECT_EQ(health["healthy"], true);
  EXPECT_GE(health["rows_applied"].get<uint64_t>(), 303000u);
  const auto [metrics_code, metrics] = http_get(port, "/metrics");
  EXPECT_EQ(metrics_code, 200);
  EXPECT_NE(metrics.find("galaxis_relay_lag_seconds{stream=\"" + stream_ + "\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("galaxis_relay_rows_applied_total"), std::string::npos);
  EXPECT_NE(metrics.find("galaxis_relay_applied_position{stream=\"" + stream_ + "\",file=\""), std::string::npos);
  EXPECT_EQ(http_get(port, "/nope").first, 404);

  // status --json with the relay's /health: applied equals the master
  // position (the marker was last), lag 0, no events pending.
  const std::string health_url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = nlohmann::json::parse(status_json().out);
        return r["relay_state"] == "streaming" && r["lag"]["events"] == 0;
      },
      10s))
      << status_json().out;
  const ProcessResult status = status_json({"--json", "--health-url", health_url});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto report = nlohmann::json::parse(status.out);
  const BinlogStatus master_now = master_->binlog_status();
  EXPECT_EQ(report["master_position"]["file"], master_now.file);
  EXPECT_EQ(report["master_position"]["offset"], master_now.position);
  EXPECT_EQ(report["applied_position"]["file"], master_now.file) << status.out;
  EXPECT_EQ(report["applied_position"]["offset"], master_now.position) << status.out;
  EXPECT_EQ(report["lag"]["bytes"], 0) << status.out;
  EXPECT_EQ(report["lag"]["seconds"], 0.0) << status.out;
  EXPECT_EQ(report["lag"]["events"], 0) << status.out;
  EXPECT_TRUE(report["last_error"].is_null()) << status.out;
  EXPECT_EQ(report["health"]["http_status"], 200) << status.out;
  EXPECT_EQ(report["health"]["state"], "streaming") << status.out;
  EXPECT_GE(report["health"]["body"]["rows_applied"].get<uint64_t>(), 303000u) << status.out;
  const ProcessResult table = status_json({"--health-url", health_url});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("lag events:        0\n"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("health:            healthy (streaming, HTTP 200, " + health_url + ")"), std::string::npos)
      << table.out;

  // Graceful stop.
  relay_->signal(SIGTERM);
  const auto exit_code = relay_->wait(30s);
  ASSERT_TRUE(exit_code.has_value()) << "no exit 30 s after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << relay_->log();
  EXPECT_EQ(passive_->query_value("SELECT state FROM galaxis_relay.status WHERE stream='" + stream_ + "'"), "stopped");
  EXPECT_THROW(http_get(port, "/health"), Error);
  // Stopped: pending events unknown, and the health endpoint is gone (exit 1, the report still printed).
  const ProcessResult stopped = status_json({"--health-url", health_url});
  EXPECT_EQ(stopped.exit_code, 1) << stopped.err;
  EXPECT_NE(stopped.out.find("lag events:        unknown (the relay is stopped)"), std::string::npos) << stopped.out;
  EXPECT_NE(stopped.out.find("health:            unreachable (health endpoint " + health_url + " unreachable"),
            std::string::npos)
      << stopped.out;
  EXPECT_NE(stopped.err.find(health_url + " unreachable"), std::string::npos) << stopped.err;
}

// The master restarts, then the target restarts, while transactions keep
// coming; the relay reconnects to both and the passive ends equal.
TEST_P(DaemonTest, SurvivesMasterAndTargetRestart) {
  start_relay();
  master_->exec("CREATE DATABASE " + db_);
  master_->exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v INT)");
  const auto write = [&](int from, int to) {
    SqlConnection writer = master_->connect();
    for (int i = from; i < to; ++i) {
      writer.exec("BEGIN");
      writer.exec("INSERT INTO " + db_ + ".t VALUES (" + std::to_string(i) + ", 0)");
      writer.exec("UPDATE " + db_ + ".t SET v = v + 1 WHERE id = " + std::to_string(from));
      writer.exec("COMMIT");
    }
  };
  write(0, 300);
  master_->restart();
  write(300, 600);
  ASSERT_TRUE(caught_up());
  passive_->restart();
  write(600, 900);
  ASSERT_TRUE(caught_up());
  expect_equal();
  ASSERT_TRUE(relay_->running()) << relay_->log();
  EXPECT_NE(relay_->log().find("reconnect"), std::string::npos);
  relay_->signal(SIGTERM);
  EXPECT_EQ(relay_->wait(30s).value_or(-100), 0) << relay_->log();
}

// SIGKILL the relay again and again during a write load and restart it:
// nothing lost, nothing doubled (a keyless table would show doubled rows).
TEST_P(DaemonTest, SigkillDuringWriteLoadLosesNothingAndDoublesNothing) { sigkill_rounds({"--parallel", "1"}); }

// The same with 4 workers applying in parallel (sql/parallel_applier.h): a
// kill can land between the workers' commits of an epoch; the restarted
// relay finishes that epoch for the workers that had not committed it.
TEST_P(DaemonTest, SigkillDuringParallelApplyLosesNothingAndDoublesNothing) { sigkill_rounds({"--parallel", "4"}); }

void DaemonTest::sigkill_rounds(const std::vector<std::string>& extra) {
  start_relay(extra);
  master_->exec("CREATE DATABASE " + db_);
  master_->exec("CREATE TABLE " + db_ + ".account (id INT PRIMARY KEY, balance BIGINT, note VARCHAR(64))");
  master_->exec("CREATE TABLE " + db_ + ".journal (account INT, amount INT, at_step INT)");  // no key
  std::atomic<bool> stop{false};
  std::atomic<int> steps{0};
  std::thread load([&, connect_options = master_->connect_options()] {
    SqlConnection writer(connect_options);
    std::mt19937 random(42);
    for (int step = 0; !stop; ++step) {
      const int id = static_cast<int>(random() % 500);
      const int amount = static_cast<int>(random() % 100) - 50;
      writer.exec("BEGIN");
      writer.exec("INSERT INTO " + db_ + ".account VALUES (" + std::to_string(id) + ", " + std::to_string(amount) +
                  ", 'n') ON DUPLICATE KEY UPDATE balance = balance + " + std::to_string(amount));
      writer.exec("INSERT INTO " + db_ + ".journal VALUES (" + std::to_string(id) + ", " + std::to_string(amount) +
                  ", " + std::to_string(step) + ")");
      if (step % 13 == 0) writer.exec("DELETE FROM " + db_ + ".account WHERE id = " + std::to_string((id * 7) % 500));
      writer.exec("COMMIT");
      ++steps;
    }
  });
  std::mt19937 random(7);
  for (int round = 0; round < 8; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + random() % 700));
    relay_->signal(SIGKILL);
    relay_->wait(10s);
    relay_ = std::make_unique<RelayProcess>(run_args(extra), log_path_);
  }
  std::this_thread::sleep_for(500ms);
  stop = true;
  load.join();
  ASSERT_GT(steps.load(), 100);
  ASSERT_TRUE(caught_up()) << relay_->log();
  expect_equal();
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM " + db_ + ".journal"), std::to_string(steps.load()));
  relay_->signal(SIGTERM);
  EXPECT_EQ(relay_->wait(30s).value_or(-100), 0) << relay_->log();
}

// A checkpoint whose binlog was purged: exit 1 pointing to `sync`, and the
// error lands in the status row; a wrong password: exit 1, the server's
// refusal, never the password.
TEST_P(DaemonTest, PurgedPositionAndWrongPasswordFailClearly) {
  start_relay();
  master_->exec("CREATE DATABASE " + db_);
  master_->exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY)");
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1)");
  ASSERT_TRUE(caught_up());
  relay_->signal(SIGTERM);
  ASSERT_EQ(relay_->wait(30s).value_or(-100), 0);
  master_->exec("FLUSH BINARY LOGS");
  master_->exec("INSERT INTO " + db_ + ".t VALUES (2)");
  ASSERT_NO_FATAL_FAILURE(purge_binlogs_to_current(*master_));
  relay_ = std::make_unique<RelayProcess>(run_args(), log_path_);
  const auto code = relay_->wait(60s);
  ASSERT_TRUE(code.has_value()) << relay_->log();
  EXPECT_EQ(*code, 1);
  const std::string log = relay_->log();
  // The exact command, with this run's servers, stream and filters.
  EXPECT_NE(
      log.find("Run `galaxis-relay sync --source " + source_url() + " --target " + target_url() +
               " --mode checksum --stream " + stream_ + " --checkpoint-schema galaxis_relay --include " + db_ + "`"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("--auto-resync"), std::string::npos) << log;
  const auto report = nlohmann::json::parse(status_json().out);
  EXPECT_NE(report["last_error"].get<std::string>().find("galaxis-relay sync"), std::string::npos) << report.dump();
  EXPECT_EQ(report["applied_file_purged"], true);

  ::setenv("GALAXIS_SOURCE_PASSWORD", "not-the-password-x9", 1);
  const ProcessResult wrong = run_process(
      [&] {
        auto args = run_args();
        args.insert(args.begin(), GALAXIS_BINARY);
        return args;
      }(),
      60);
  ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_NE(wrong.err.find("Access denied"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find(kSourceUser), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("not-the-password-x9"), std::string::npos) << wrong.err;
}

// The master purged the relay's position while it was stopped, and someone
// changed the passive by hand meanwhile. With --auto-resync the relay runs a
// checksum sync, ends equal to the master, counts it in /metrics and streams
// what the master writes afterwards (MySQL too: its snapshot is lock-free
// with GTIDs, no RELOAD needed).
TEST_P(DaemonTest, AutoResyncAfterPurgedPosition) {
  start_relay();
  master_->exec("CREATE DATABASE " + db_);
  master_->exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
  master_->exec("INSERT INTO " + db_ + ".t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  ASSERT_TRUE(caught_up());
  relay_->signal(SIGTERM);
  ASSERT_EQ(relay_->wait(30s).value_or(-100), 0);
  // What the relay misses: changes in binlogs about to be purged, a hand edit on the passive.
  master_->exec("FLUSH BINARY LOGS");
  master_->exec("INSERT INTO " + db_ + ".t VALUES (4, 'd')");
  master_->exec("UPDATE " + db_ + ".t SET v = 'B' WHERE id = 2");
  master_->exec("DELETE FROM " + db_ + ".t WHERE id = 3");
  master_->exec("CREATE TABLE " + db_ + ".later (id INT PRIMARY KEY)");
  master_->exec("INSERT INTO " + db_ + ".later VALUES (7)");
  passive_->exec("UPDATE " + db_ + ".t SET v = 'by hand' WHERE id = 1");
  ASSERT_NO_FATAL_FAILURE(purge_binlogs_to_current(*master_));

  const uint16_t port = free_loopback_port();
  relay_ = std::make_unique<RelayProcess>(
      run_args({"--auto-resync", "--health-listen", "127.0.0.1:" + std::to_string(port)}), log_path_);
  const std::string resynced = "galaxis_relay_resyncs_total{stream=\"" + stream_ + "\"} 1";
  ASSERT_TRUE(eventually(
      [&] {
        if (!relay_->running()) return true;
        return http_get(port, "/health").first == 200 &&
               http_get(port, "/metrics").second.find(resynced) != std::string::npos;
      },
      120s))
      << relay_->log();
  ASSERT_TRUE(relay_->running()) << relay_->log();
  // A write after the resync is streamed (the marker), and everything is equal.
  master_->exec("INSERT INTO " + db_ + ".later VALUES (8)");
  ASSERT_TRUE(caught_up()) << relay_->log();
  expect_equal();
  EXPECT_EQ(passive_->query_value("SELECT v FROM " + db_ + ".t WHERE id = 1"), "a");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM " + db_ + ".later"), "2");
  const std::string log = relay_->log();
  EXPECT_NE(log.find("--auto-resync: running a checksum sync"), std::string::npos) << log;
  EXPECT_NE(log.find("--auto-resync: the target equals the master's snapshot at"), std::string::npos) << log;
  // t: row 4 missing, row 3 extra, rows 1 (by hand) and 2 changed; later: created with its row.
  EXPECT_NE(log.find("--auto-resync repaired `" + db_ + "`.`t`: 1 rows missing, 1 extra, 2 changed"), std::string::npos)
      << log;
  EXPECT_NE(log.find("--auto-resync repaired `" + db_ + "`.`later`: 1 rows missing, 0 extra, 0 changed"),
            std::string::npos)
      << log;
  EXPECT_EQ(nlohmann::json::parse(http_get(port, "/health").second)["resyncs"], 1);
  relay_->signal(SIGTERM);
  EXPECT_EQ(relay_->wait(30s).value_or(-100), 0) << relay_->log();
}

// Without --initial: a master whose binlog still holds its whole history is
// replayed from the start; after a purge the relay copies a snapshot first.
// A fresh master of the
// pair's flavour, so that its binlog really begins at its first transaction.
TEST_P(DaemonTest, InitialDefaultFollowsBinlogHistory) {
  ServerOptions options;
  options.flavor = GetParam().master;
  options.role = Role::kMaster;
  options.server_id = 11;
  Server fresh(options);
  fresh.start();
  ensure_user(fresh, kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  fresh.exec("CREATE DATABASE " + db_);
  fresh.exec("CREATE TABLE " + db_ + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
  fresh.exec("INSERT INTO " + db_ + ".t VALUES (1, 'a'), (2, 'b')");
  fresh.exec("UPDATE " + db_ + ".t SET v = 'B' WHERE id = 2");
  const auto run_without_initial = [&](const std::string& stream) {
    for (const char* table : {"checkpoint", "status", "sync_state", "sync_progress"}) {
      if (passive_->query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='galaxis_relay' "
                                "AND table_name='" +
                                std::string(table) + "'") != "0") {
        passive_->exec("DELETE FROM galaxis_relay." + std::string(table) + " WHERE stream='" + stream + "'");
      }
    }
    return run_process(
        {GALAXIS_BINARY, "run", "--source",
         "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(fresh.port()), "--target", target_url(),
         "--stream", stream, "--include", db_, "--server-id", std::to_string(server_id_ + 1), "--stop-at-end"},
        120);
  };
  const ProcessResult replayed = run_without_initial(stream_);
  EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_NE(replayed.err.find("no --initial was given: from-start, because"), std::string::npos) << replayed.err;
  EXPECT_EQ(compare_databases(fresh, db_, *passive_, db_), "");

  fresh.exec("INSERT INTO " + db_ + ".t VALUES (3, 'c')");
  ASSERT_NO_FATAL_FAILURE(purge_binlogs_to_current(fresh));
  passive_->exec("DROP DATABASE " + db_);
  const ProcessResult copied = run_without_initial(stream_ + "_b");
  EXPECT_NE(copied.err.find("no --initial was given: snapshot, because"), std::string::npos) << copied.err;
  EXPECT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(compare_databases(fresh, db_, *passive_, db_), "");
}

INSTANTIATE_TEST_SUITE_P(Pairs, DaemonTest,
                         ::testing::Values(FlavorPair{Flavor::kMariaDB1011, Flavor::kMariaDB1011},
                                           FlavorPair{Flavor::kMariaDB118, Flavor::kMariaDB118},
                                           FlavorPair{Flavor::kMySQL97, Flavor::kMySQL97},
                                           FlavorPair{Flavor::kMariaDB1011, Flavor::kMariaDB118}),
                         pair_name);

TEST(DaemonCrossFlavour, RefusesMySqlToMariaDb) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMySQL97);
  Server& master = shared_server(Flavor::kMySQL97, Role::kMaster);
  Server& passive = shared_server(Flavor::kMariaDB1011, Role::kPassive);
  ensure_user(master, kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  ensure_user(passive, kTargetUser, kTargetPassword, kTargetGrants);
  ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
  ::setenv("GALAXIS_TARGET_PASSWORD", kTargetPassword, 1);
  const ProcessResult result =
      run_process({GALAXIS_BINARY, "run", "--source",
                   "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(master.port()), "--target",
                   "mysql://" + std::string(kTargetUser) + "@127.0.0.1:" + std::to_string(passive.port())},
                  60);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("MySQL → MariaDB"), std::string::npos) << result.err;
  // Refused before the --initial decision (which could copy a snapshot).
  EXPECT_EQ(result.err.find("no --initial was given"), std::string::npos) << result.err;
}

// `status` with parallel apply's worker rows ("<stream>#k/N", no plain row):
// the applied position is the lowest worker's. And a status table from before
// events_pending: `run` adds the column.
TEST(DaemonStatus, LowestWorkerRowAndAnOlderStatusTable) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  Server& master = shared_server(Flavor::kMariaDB1011, Role::kMaster);
  Server& passive = shared_server(Flavor::kMariaDB1011, Role::kPassive);
  ensure_user(master, kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  ensure_user(passive, kTargetUser, kTargetPassword, kTargetGrants);
  ::setenv("GALAXIS_SOURCE_PASSWORD", kSourcePassword, 1);
  ::setenv("GALAXIS_TARGET_PASSWORD", kTargetPassword, 1);
  const std::string schema = "dmn_status_cp";
  const std::string source = "mysql://" + std::string(kSourceUser) + "@127.0.0.1:" + std::to_string(master.port());
  const std::string target = "mysql://" + std::string(kTargetUser) + "@127.0.0.1:" + std::to_string(passive.port());
  passive.exec("DROP DATABASE IF EXISTS " + schema);
  passive.exec("CREATE DATABASE " + schema);
  passive.exec("CREATE TABLE " + schema +
               ".status (stream VARCHAR(64) NOT NULL PRIMARY KEY, state VARCHAR(32) NOT NULL, source_version "
               "VARCHAR(128) NULL, source_file VARCHAR(512) NULL, source_position BIGINT UNSIGNED NULL, "
               "applied_event_timestamp BIGINT UNSIGNED NULL, last_error TEXT NULL, last_error_at TIMESTAMP(6) NULL, "
               "updated_at TIMESTAMP(6) NULL) ENGINE=InnoDB");
  passive.exec("INSERT INTO " + schema + ".status (stream, state, updated_at) VALUES ('old', 'stopped', NOW(6))");
  const ProcessResult run =
      run_process({GALAXIS_BINARY, "run", "--source", source, "--target", target, "--initial", "from-now",
                   "--stop-at-end", "--checkpoint-schema", schema, "--stream", "w", "--include", "dmn_status_none",
                   "--server-id", "6999", "--parallel", "1"},  // the worker rows below are made by hand
                  60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(passive.query_value("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema='" + schema +
                                "' AND table_name='status' AND column_name='events_pending'"),
            "1");
  EXPECT_EQ(passive.query_value("SELECT state FROM " + schema + ".status WHERE stream='w'"), "stopped");

  const std::string file = master.binlog_status().file;
  passive.exec("DELETE FROM " + schema + ".checkpoint WHERE stream='w'");
  for (const auto& [name, offset] : std::vector<std::pair<std::string, int>>{
           {"w#1/3", 200}, {"w#2/3", 100}, {"w#3/3", 300}, {"w#4/3", 50}, {"wx#1/1", 10}}) {
    passive.exec("INSERT INTO " + schema + ".checkpoint (stream, binlog_file, binlog_position, gtid_set) VALUES ('" +
                 name + "', '" + file + "', " + std::to_string(offset) + ", '')");
  }
  const ProcessResult status = run_process({GALAXIS_BINARY, "status", "--source", source, "--target", target,
                                            "--checkpoint-schema", schema, "--stream", "w", "--json"},
                                           60);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto report = nlohmann::json::parse(status.out);
  EXPECT_EQ(report["applied_position"]["file"], file) << status.out;
  EXPECT_EQ(report["applied_position"]["offset"], 100) << status.out;
  EXPECT_EQ(report["applied_from_workers"]["rows"], 3) << status.out;
  EXPECT_EQ(report["applied_from_workers"]["lowest"], "w#2/3") << status.out;
  EXPECT_EQ(report["lag_events_reason"], "the relay is stopped") << status.out;
  passive.exec("DROP DATABASE " + schema);
}

// --config FILE sets any flag; the command line wins; unknown keys are usage errors.
TEST(DaemonCli, ConfigFileSetsFlags) {
  const std::string path = ::testing::TempDir() + "galaxis-run-config.toml";
  const auto write = [&](const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  };
  write(
      "[run]\nsource = \"mysql://cfg_user@127.0.0.1:1\"\ntarget = \"mysql://cfg_user@127.0.0.1:2\"\n"
      "include = [\"a\", \"b.*\"]\ninitial = \"bogus\"\n");
  ProcessResult r = run_process({GALAXIS_BINARY, "run", "--config", path}, 30);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  // The command line wins over the file; the file's source is used (port 1: nothing listens).
  r = run_process({GALAXIS_BINARY, "run", "--config", path, "--initial", "from-now"}, 30);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cfg_user@127.0.0.1:1"), std::string::npos) << r.err;
  write("source = \"mysql://cfg_user@127.0.0.1:1\"\nnot-a-flag = 1\n");
  r = run_process({GALAXIS_BINARY, "run", "--config", path}, 30);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown key 'not-a-flag'"), std::string::npos) << r.err;
  r = run_process({GALAXIS_BINARY, "run", "--target", "mysql://x@127.0.0.1:2"}, 30);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--source is required"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace galaxis::testing
