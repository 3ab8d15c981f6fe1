// `sync --mode checksum` against real servers, through the CLI binary with
// the restricted users: divergences injected on the passive (rows missing,
// extra, changed in each type, NULL vs '', trailing spaces in VARCHAR vs
// CHAR, case-only changes under a case-insensitive collation, tables without
// keys) are reported exactly by --dry-run (exit 3), repaired by a real run,
// and a second dry run finds nothing. The oracle is compare_databases.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

class SyncChecksumTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_sync_users(*master_, *passive_);
    export_sync_passwords();
  }
  Server* master_ = nullptr;
  Server* passive_ = nullptr;
};

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

TEST_P(SyncChecksumTest, DryRunReportsExactlyTheInjectedDifferencesAndRepairFixesThem) {
  master_->exec(
      "DROP DATABASE IF EXISTS sy_sum; CREATE DATABASE sy_sum DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci;"
      "CREATE TABLE sy_sum.t (id INT PRIMARY KEY, i INT, f FLOAT, d DOUBLE, dc DECIMAL(12,4), dt DATETIME(6),"
      " ts TIMESTAMP NULL, c CHAR(10), vc VARCHAR(20), vb VARBINARY(10), tx TEXT, j JSON, e ENUM('a','b'),"
      " b BIT(8), n VARCHAR(10) NULL);"
      "CREATE TABLE sy_sum.d (d INT PRIMARY KEY); INSERT INTO sy_sum.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
      "SET time_zone = '+00:00';"
      "INSERT INTO sy_sum.t SELECT a.d * 100 + b.d * 10 + c.d + 1, a.d, 1.0000001, 0.1, 12.5, '2024-01-02 "
      "03:04:05.000006',"
      " '2024-01-02 03:04:05', 'ch', 'abc', 0x00, 'text', '{\"k\": 1}', 'a', b'101', 'x'"
      " FROM sy_sum.d a, sy_sum.d b, sy_sum.d c;"  // 1000 rows
      "CREATE TABLE sy_sum.ck (k VARCHAR(20) PRIMARY KEY, v INT);"
      "INSERT INTO sy_sum.ck VALUES ('key1', 1), ('key2', 2), ('key3', 3);"
      "CREATE TABLE sy_sum.nk (a INT, b VARCHAR(10));"
      "INSERT INTO sy_sum.nk VALUES (1, 'dup'), (1, 'dup'), (2, NULL), (3, '');");
  passive_->exec("DROP DATABASE IF EXISTS sy_sum");
  const std::vector<std::string> common = {"--include", "sy_sum", "--stream", "sy_sum", "--progress-interval", "0"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = common;
    all.insert(all.end(), extra.begin(), extra.end());
    return sync_argv(*master_, *passive_, all);
  };
  ProcessResult copy = run_process(with({"--mode", "copy"}), 120);
  ASSERT_EQ(copy.exit_code, 0) << copy.out << copy.err;
  ASSERT_EQ(compare_databases(*master_, "sy_sum", *passive_, "sy_sum"), "");

  // Divergences on the passive (root, as "someone wrote to the passive by hand").
  passive_->exec(
      "SET time_zone = '+00:00';"
      "DELETE FROM sy_sum.t WHERE id IN (1, 500, 1000);"           // 3 missing (first, middle, last chunk)
      "INSERT INTO sy_sum.t (id, i) VALUES (1001, 1), (5000, 2);"  // 2 extra (beyond the source's keys)
      "UPDATE sy_sum.t SET i = i + 1 WHERE id = 2;"
      "UPDATE sy_sum.t SET f = 1.0000002 WHERE id = 3;"  // a float's last bit
      "UPDATE sy_sum.t SET d = 0.1000000000000001 WHERE id = 4;"
      "UPDATE sy_sum.t SET dc = 12.5001 WHERE id = 5;"
      "UPDATE sy_sum.t SET dt = '2024-01-02 03:04:05.000007' WHERE id = 6;"
      "UPDATE sy_sum.t SET ts = '2024-01-02 03:04:06' WHERE id = 7;"
      "UPDATE sy_sum.t SET vc = 'ABC' WHERE id = 8;"   // case only, general_ci
      "UPDATE sy_sum.t SET vc = 'abc ' WHERE id = 9;"  // trailing space in VARCHAR
      "UPDATE sy_sum.t SET vb = 0x0000 WHERE id = 10;"
      "UPDATE sy_sum.t SET tx = 'Text' WHERE id = 11;"
      "UPDATE sy_sum.t SET j = '{\"k\": 2}' WHERE id = 12;"
      "UPDATE sy_sum.t SET e = 'b' WHERE id = 13;"
      "UPDATE sy_sum.t SET b = b'100' WHERE id = 14;"
      "UPDATE sy_sum.t SET n = '' WHERE id = 15;"  // NULL vs '' (source 'x' -> '')
      "UPDATE sy_sum.t SET n = NULL WHERE id = 16;"
      "UPDATE sy_sum.t SET c = 'ch  ' WHERE id = 17;"      // CHAR: trailing spaces are not stored: no change
      "UPDATE sy_sum.ck SET k = 'KEY2' WHERE k = 'key2';"  // case-only change of a key
      "DELETE FROM sy_sum.nk WHERE a = 1 LIMIT 1; INSERT INTO sy_sum.nk VALUES (4, 'extra');"
      "CREATE TABLE sy_sum.only_target (x INT)");
  master_->exec("UPDATE sy_sum.t SET n = NULL WHERE id = 20");
  passive_->exec("UPDATE sy_sum.t SET n = '' WHERE id = 20");  // '' vs NULL the other way

  ProcessResult dry = run_process(with({"--mode", "checksum", "--dry-run"}), 120);
  EXPECT_EQ(dry.exit_code, 3) << dry.out << dry.err;
  EXPECT_EQ(lines_with(dry.out, "`sy_sum`.`t`:"),
            std::vector<std::string>{"`sy_sum`.`t`: rows missing 3, extra 2, changed 16"})
      << dry.out;
  // A key changed in case only is another key by its bytes: one missing, one extra.
  EXPECT_EQ(lines_with(dry.out, "`sy_sum`.`ck`:"),
            std::vector<std::string>{"`sy_sum`.`ck`: rows missing 1, extra 1, changed 0"})
      << dry.out;
  EXPECT_EQ(lines_with(dry.out, "`sy_sum`.`nk`:"),
            std::vector<std::string>{"`sy_sum`.`nk`: rows missing 1, extra 1, changed 0"})
      << dry.out;
  EXPECT_EQ(lines_with(dry.out, "only_target"), std::vector<std::string>{"`sy_sum`.`only_target`: only on the target"})
      << dry.out;
  EXPECT_EQ(lines_with(dry.out, "`sy_sum`.`d`").size(), 0u) << dry.out;
  // The dry run changed nothing.
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM sy_sum.t"), "999");

  const binlog::BinlogPosition before = current_position(*master_);
  ProcessResult repair = run_process(with({"--mode", "checksum"}), 120);
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  // Equal except the extra table, which is kept without --drop-extra.
  const std::string after_repair = compare_databases(*master_, "sy_sum", *passive_, "sy_sum");
  EXPECT_NE(after_repair.find("table `only_target`: only in b"), std::string::npos) << after_repair;
  EXPECT_EQ(lines_with(after_repair, "table `").size(), 1u) << after_repair << repair.out << repair.err;
  // Not dropped without --drop-extra.
  EXPECT_EQ(passive_->query_value(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sy_sum' AND TABLE_NAME = "
                "'only_target'"),
            "1");
  sql::Connection target(sync_url(*passive_, kSyncTargetUser, kSyncTargetPassword));
  auto cp = sql::CheckpointStore("galaxis_relay", "sy_sum").load(target);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->position.file, before.file);
  EXPECT_EQ(cp->position.offset, before.offset);

  ProcessResult again = run_process(with({"--mode", "checksum", "--dry-run", "--drop-extra"}), 120);
  EXPECT_EQ(again.exit_code, 3) << again.out;  // only_target is still there
  EXPECT_EQ(lines_with(again.out, "rows missing").size(), 0u) << again.out;
  ProcessResult drop = run_process(with({"--mode", "checksum", "--drop-extra"}), 120);
  EXPECT_EQ(drop.exit_code, 0) << drop.out << drop.err;
  ProcessResult clean = run_process(with({"--mode", "checksum", "--dry-run"}), 120);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_EQ(compare_databases(*master_, "sy_sum", *passive_, "sy_sum"), "");
}

// The master keeps writing while the checksum sync runs: the compare is
// against the snapshot, the checkpoint names the snapshot, and streaming
// from it makes the passive equal.
TEST_P(SyncChecksumTest, RepairUnderWritesThenStreamingFromTheCheckpoint) {
  master_->exec(
      "DROP DATABASE IF EXISTS sy_sumlive; CREATE DATABASE sy_sumlive;"
      "CREATE TABLE sy_sumlive.t (id INT PRIMARY KEY, v INT);"
      "CREATE TABLE sy_sumlive.d (d INT PRIMARY KEY); INSERT INTO sy_sumlive.d VALUES "
      "(0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
      "INSERT INTO sy_sumlive.t SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d + 1, 0"
      " FROM sy_sumlive.d a, sy_sumlive.d b, sy_sumlive.d c, sy_sumlive.d e");
  passive_->exec("DROP DATABASE IF EXISTS sy_sumlive");
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"sy_sumlive"};
  options.stream = "sy_sumlive";
  sql::sync::run_sync(options);
  passive_->exec("UPDATE sy_sumlive.t SET v = 99 WHERE id % 100 = 0; DELETE FROM sy_sumlive.t WHERE id % 777 = 0");

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    SqlConnection connection = master_->connect();
    for (int n = 0; !stop.load(); ++n) {
      connection.exec(
          fmt::format("UPDATE sy_sumlive.t SET v = v + 1 WHERE id = {}; INSERT INTO sy_sumlive.t VALUES "
                      "({}, 1)",
                      n % 10000 + 1, 20000 + n));
    }
  });
  options.mode = sql::sync::SyncMode::kChecksum;
  options.chunk_rows = 500;
  sql::sync::SyncResult result;
  try {
    result = sql::sync::run_sync(options);
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  stop = true;
  writer.join();
  ASSERT_EQ(result.differences.size(), 1u);
  // At least the injected ones (writes before the snapshot add more).
  EXPECT_GE(result.differences[0].changed, 100u);  // ids 100, 200, ..., 10000
  EXPECT_GE(result.differences[0].missing, 12u);   // multiples of 777
  stream_from_checkpoint(*master_, *passive_, "sy_sumlive", {"sy_sumlive"});
  EXPECT_EQ(compare_databases(*master_, "sy_sumlive", *passive_, "sy_sumlive"), "");
}

INSTANTIATE_TEST_SUITE_P(Flavors, SyncChecksumTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

// After a parallel run the stream's checkpoint is worker rows "<stream>#k/N".
// `run --initial snapshot` does not copy again over them, and a checksum sync
// replaces them by the plain row at its snapshot (a plain row beside worker
// rows would be a corrupt checkpoint for the next run).
TEST(SyncWorkerRows, SnapshotSkipsAndChecksumReplacesParallelWorkerRows) {
  const Flavor flavor = Flavor::kMariaDB1011;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  master.exec(
      "DROP DATABASE IF EXISTS sy_workers; CREATE DATABASE sy_workers;"
      "CREATE TABLE sy_workers.t (id INT PRIMARY KEY, v INT); INSERT INTO sy_workers.t VALUES (1, 1), (2, 2)");
  passive.exec("DROP DATABASE IF EXISTS sy_workers");
  sql::sync::SyncOptions options = sync_options(master, passive);
  options.filter.include = {"sy_workers"};
  options.stream = "sy_workers";
  const binlog::BinlogPosition copied = sql::sync::run_sync(options).position;
  sql::Connection target(sync_url(passive, kSyncTargetUser, kSyncTargetPassword));
  sql::replace_stream_rows(target, "galaxis_relay", "sy_workers", sql::worker_rows_at("sy_workers", 3, copied, false));

  EXPECT_FALSE(sql::sync::run_snapshot_copy_if_needed(options).has_value());

  master.exec("UPDATE sy_workers.t SET v = 20 WHERE id = 2");
  passive.exec("DELETE FROM sy_workers.t WHERE id = 1");
  options.mode = sql::sync::SyncMode::kChecksum;
  const sql::sync::SyncResult result = sql::sync::run_sync(options);
  EXPECT_EQ(compare_databases(master, "sy_workers", passive, "sy_workers"), "");
  const std::vector<sql::CheckpointRow> rows = sql::load_stream_rows(target, "galaxis_relay", "sy_workers");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].stream, "sy_workers");
  ASSERT_TRUE(rows[0].position.has_value());
  EXPECT_EQ(rows[0].position->to_string(), result.position.to_string());
}

}  // namespace
}  // namespace galaxis::testing
