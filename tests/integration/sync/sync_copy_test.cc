// `sync --mode copy` against real servers with the restricted users: every
// column type with edge values, composite and case-insensitive keys, tables
// without keys holding duplicates, generated/invisible columns, foreign keys,
// views; concurrent writes on the master during the copy, then streaming
// from the checkpoint the copy wrote; layout mismatches refused.
// The oracle is compare_databases (rows byte for byte, column layout).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/connection.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

class SyncCopyTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_sync_users(*master_, *passive_);
  }

  std::optional<sql::Checkpoint> checkpoint(const std::string& stream) {
    sql::Connection target(sync_url(*passive_, kSyncTargetUser, kSyncTargetPassword));
    return sql::CheckpointStore("galaxis_relay", stream).load(target);
  }

  Server* master_ = nullptr;
  Server* passive_ = nullptr;
};

TEST_P(SyncCopyTest, EveryColumnTypeKeysNoKeysAndViews) {
  const bool mysql = is_mysql(GetParam());
  master_->exec(
      "DROP DATABASE IF EXISTS sy_types; CREATE DATABASE sy_types DEFAULT CHARSET utf8mb4;"
      "CREATE TABLE sy_types.t (id INT PRIMARY KEY,"
      " ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,"
      " i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, f FLOAT, d DOUBLE,"
      " dec1 DECIMAL(65,30), dec2 DECIMAL(10,2), dec0 DECIMAL(5,0),"
      " dt DATE, tm TIME, tm6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), ts TIMESTAMP NULL DEFAULT NULL,"
      " ts6 TIMESTAMP(6) NULL DEFAULT NULL, yr YEAR,"
      " c CHAR(10), vc VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, vl VARCHAR(20) CHARACTER SET latin1,"
      " bn BINARY(4), vb VARBINARY(10), tx TEXT, bl BLOB, mb MEDIUMBLOB,"
      " e ENUM('a','b','c'), s SET('x','y','z'), b1 BIT(1), b64 BIT(64), j JSON, g GEOMETRY)"
      " DEFAULT CHARSET=utf8mb4");
  master_->exec(
      "SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION', time_zone='+00:00';"
      "INSERT INTO sy_types.t VALUES"
      " (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,"
      "  18446744073709551615, -3.4028234e38, -1.7976931348623157e308,"
      "  '-99999999999999999999999999999999999.999999999999999999999999999999', -12345678.99, -99999,"
      "  '0000-00-00', '-838:59:59', '-838:59:59.000000', '0000-00-00 00:00:00', '1000-01-01 00:00:00.001',"
      "  '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999', 1901,"
      "  'a''b\\\\c', 'emoji \\xF0\\x9F\\x98\\x80 \\'q\\' \"dq\" \\\\ %_', 'caf\\xE9',"
      "  0x00FF0A0D, 0x00, 'text\\0nul\\n\\r\\Z', 0xDEADBEEF00, REPEAT('x', 70000),"
      "  'c', 'x,y,z', b'1', b'1111111111111111111111111111111111111111111111111111111111111111',"
      "  '{\"a\": [1, 2.5, \"s\", null, true], \"b\": {\"c\": \"\\\\u00e9\"}}', ST_GeomFromText('POINT(1 2)')),"
      " (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 1.0000001, 2.2250738585072014e-308,"
      "  '99999999999999999999999999999999999.999999999999999999999999999999', 0.01, 0,"
      "  '9999-12-31', '838:59:59', '00:00:00.000001', '9999-12-31 23:59:59', '2024-02-29 12:00:00.5',"
      "  '2000-02-29 23:59:59', '1999-12-31 23:59:59.000001', 2155,"
      "  '', '', '', '', '', '', '', '', '', '', b'0', b'0', '[]',"
      "  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))')),"
      " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      "  NULL),"
      " (4, 0, 128, 0, 32768, 0, 8388608, 0, 2147483648, 0, 9223372036854775808, 16777217, 0.1, 0, -0.5, 1,"
      "  '2000-01-01', '00:00:00', '12:34:56.789', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000',"
      "  '2000-01-01 00:00:00', '2000-01-01 00:00:00.123456', 0, 'x  ', 'y  ', 'z', 0x01, 0x02, 't', 'b', 'm',"
      "  'a', '', b'1', b'1000000000000000000000000000000000000000000000000000000000000000', '\"str\"',"
      "  ST_GeomFromText('LINESTRING(0 0,1 1,2 2)'))");
  master_->exec(
      "CREATE TABLE sy_types.comp (a VARCHAR(20) COLLATE utf8mb4_general_ci, b INT, v VARCHAR(10),"
      " PRIMARY KEY (a, b));"
      "INSERT INTO sy_types.comp VALUES ('a', 1, 'x'), ('A ', 2, 'y'), ('b', 1, NULL), ('\\xC3\\xA9', 3, ''),"
      " ('', 0, 'empty'), ('z''q', 9, 'q');"
      "CREATE TABLE sy_types.nokey (a INT, b VARCHAR(10));"
      "INSERT INTO sy_types.nokey VALUES (1, 'dup'), (1, 'dup'), (2, NULL), (NULL, NULL), (NULL, NULL);"
      "CREATE TABLE sy_types.uq (a INT NOT NULL, b VARBINARY(8) NOT NULL, c INT, UNIQUE KEY ab (a, b));"
      "INSERT INTO sy_types.uq VALUES (1, 0x00, 1), (1, 0x0000, 2), (2, '', 3), (-5, 0xFF, NULL);"
      "CREATE TABLE sy_types.gen (id INT PRIMARY KEY, a INT, v INT AS (a * 2) VIRTUAL, s INT AS (a + 1) STORED,"
      " h INT INVISIBLE DEFAULT 7);"
      "INSERT INTO sy_types.gen (id, a, h) VALUES (1, 10, 1), (2, NULL, 2), (3, -4, NULL);"
      "CREATE TABLE sy_types.parent (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE sy_types.child (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES sy_types.parent (id)"
      " ON DELETE CASCADE) ENGINE=InnoDB;"
      "INSERT INTO sy_types.parent VALUES (1), (2); INSERT INTO sy_types.child VALUES (10, 1), (20, 2), (30, NULL);"
      "CREATE VIEW sy_types.v AS SELECT id, a FROM sy_types.gen WHERE a IS NOT NULL;"
      "CREATE PROCEDURE sy_types.p() SELECT 1;"
      "CREATE TABLE sy_types.empty_t (id BIGINT PRIMARY KEY);"
      "CREATE TABLE sy_types.floats (f FLOAT PRIMARY KEY, d DOUBLE);"
      "INSERT INTO sy_types.floats VALUES (1.0000001, 1), (1.0000002, 2), (-0.1, 3), (3.4028234e38, 4);");
  passive_->exec("DROP DATABASE IF EXISTS sy_types");

  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"sy_types"};
  options.stream = "sy_types";
  options.chunk_rows = 2;  // many chunks, every boundary kind
  options.threads = 3;
  const binlog::BinlogPosition before = current_position(*master_);
  const sql::sync::SyncResult result = sql::sync::run_sync(options);
  EXPECT_EQ(result.tables, 9u);
  EXPECT_EQ(result.rows_copied, 4u + 6 + 5 + 4 + 3 + 2 + 3 + 0 + 4);
  EXPECT_GT(result.chunks_copied, 15u);
  EXPECT_EQ(compare_databases(*master_, "sy_types", *passive_, "sy_types"), "");
  // Floats survive bit for bit (the text protocol alone would round 1.0000001 to 1).
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM sy_types.floats WHERE f = CAST(1.0000001 AS FLOAT)"), "1");
  EXPECT_EQ(master_->query_value("SELECT CAST(f AS DOUBLE) FROM sy_types.t WHERE id = 2"),
            passive_->query_value("SELECT CAST(f AS DOUBLE) FROM sy_types.t WHERE id = 2"));
  // SHOW CREATE VIEW needs SHOW VIEW, which the restricted source user lacks:
  // the view is reported (warning), not copied — and nothing else fails.
  EXPECT_EQ(passive_->query_value(
                "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'sy_types' AND TABLE_NAME = 'v'"),
            "0");
  // Likewise a routine: the managed-hosting target user has no CREATE ROUTINE.
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'sy_types'"),
            "0");
  EXPECT_EQ(passive_->query_value("SELECT GROUP_CONCAT(h ORDER BY id) FROM sy_types.gen"), "1,2");
  // Nothing was written on the master, so the snapshot is where it stands.
  EXPECT_EQ(result.position.file, before.file);
  EXPECT_EQ(result.position.offset, before.offset);
  auto cp = checkpoint("sy_types");
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->position.file, result.position.file);
  EXPECT_EQ(cp->position.offset, result.position.offset);
  if (!mysql) {
    EXPECT_EQ(cp->position.gtid_executed, master_->query_value("SELECT @@gtid_binlog_pos"));
  }
  // The resume state is cleared after a finished copy.
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM galaxis_relay.sync_progress WHERE stream = 'sy_types'"), "0");

  // A second copy onto the populated target is refused, naming the table.
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "copy onto populated tables succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already has rows"), std::string::npos) << e.what();
  }
}

TEST_P(SyncCopyTest, LayoutMismatchNamesTheColumns) {
  master_->exec(
      "DROP DATABASE IF EXISTS sy_layout; CREATE DATABASE sy_layout;"
      "CREATE TABLE sy_layout.t (id INT PRIMARY KEY, v INT, w VARCHAR(10)); INSERT INTO sy_layout.t VALUES (1, 1, "
      "'a')");
  passive_->exec(
      "DROP DATABASE IF EXISTS sy_layout; CREATE DATABASE sy_layout;"
      "CREATE TABLE sy_layout.t (id INT PRIMARY KEY, v BIGINT, x INT)");
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"sy_layout"};
  options.stream = "sy_layout";
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "a differing layout was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("column `v` is int"), std::string::npos) << message;
    EXPECT_NE(message.find("bigint"), std::string::npos) << message;
    EXPECT_NE(message.find("column `w` (varchar(10)) is missing on the target"), std::string::npos) << message;
    EXPECT_NE(message.find("column `x` (int"), std::string::npos) << message;
  }
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM sy_layout.t"), "0");
}

// Writes keep landing on the master while the copy runs; the checkpoint the
// copy writes must be exactly where its snapshot was, so streaming from it
// ends equal — a lost or doubled row shows up as a difference or a
// duplicate-key error in the applier.
TEST_P(SyncCopyTest, ConcurrentWritesThenStreamingFromTheCheckpoint) {
  master_->exec(
      "DROP DATABASE IF EXISTS sy_live; CREATE DATABASE sy_live;"
      "CREATE TABLE sy_live.t (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(60), pad VARCHAR(60), KEY (k));"
      "CREATE TABLE sy_live.log (n INT, note VARCHAR(20));"
      "CREATE TABLE sy_live.d (d INT PRIMARY KEY);"
      "INSERT INTO sy_live.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
      "INSERT INTO sy_live.t SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d + 1, a.d, REPEAT('c', 50), 'p'"
      " FROM sy_live.d a, sy_live.d b, sy_live.d c, sy_live.d e");
  master_->exec("INSERT INTO sy_live.t SELECT id + 10000, k, c, pad FROM sy_live.t");  // 20000 rows
  passive_->exec("DROP DATABASE IF EXISTS sy_live");

  std::atomic<bool> stop{false};
  std::atomic<int> transactions{0};
  std::thread writer([&] {
    SqlConnection connection = master_->connect();
    int n = 0;
    while (!stop.load()) {
      const int id = (n * 7919) % 20000 + 1;
      connection.exec(fmt::format(
          "START TRANSACTION; UPDATE sy_live.t SET k = k + 1 WHERE id = {0}; DELETE FROM sy_live.t WHERE id = {1};"
          "INSERT INTO sy_live.t VALUES ({1}, {2}, 'new', 'n') ON DUPLICATE KEY UPDATE pad = 'dup';"
          "INSERT INTO sy_live.t VALUES ({3}, 1, 'tail', 't');"
          "INSERT INTO sy_live.log VALUES ({2}, 'w'); COMMIT",
          id, (id * 13) % 20000 + 1, n, 30000 + n));
      ++n;
      transactions.store(n);
    }
  });
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"sy_live"};
  options.stream = "sy_live";
  options.chunk_rows = 500;
  options.threads = 2;
  sql::sync::SyncResult result;
  try {
    result = sql::sync::run_sync(options);
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  const int during = transactions.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  writer.join();
  EXPECT_GT(during, 0);
  // The secondary index, deferred during the load, is there.
  EXPECT_EQ(passive_->query_value("SELECT GROUP_CONCAT(DISTINCT INDEX_NAME ORDER BY INDEX_NAME) FROM "
                                  "information_schema.STATISTICS WHERE TABLE_SCHEMA = 'sy_live' AND TABLE_NAME = 't'"),
            "k,PRIMARY");
  const size_t streamed = stream_from_checkpoint(*master_, *passive_, "sy_live", {"sy_live"});
  EXPECT_GT(streamed, 0u);
  EXPECT_EQ(compare_databases(*master_, "sy_live", *passive_, "sy_live"), "");
  std::printf("[ info ] %d master transactions during the copy, %zu streamed from the checkpoint %s\n", during,
              streamed, result.position.to_string().c_str());
}

INSTANTIATE_TEST_SUITE_P(Flavors, SyncCopyTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing

namespace galaxis::testing {
namespace {

// `run --initial snapshot` on an empty passive: the copy, then streaming
// from its checkpoint (--stop-at-end ends at the master's last event).
TEST(SyncRunInitialSnapshot, CopiesThenStreams) {
  const Flavor flavor = Flavor::kMariaDB1011;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  export_sync_passwords();
  master.exec(
      "DROP DATABASE IF EXISTS sy_run; CREATE DATABASE sy_run;"
      "CREATE TABLE sy_run.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO sy_run.t VALUES (1, 'a'), (2, 'b')");
  passive.exec("DROP DATABASE IF EXISTS sy_run");
  std::vector<std::string> argv = sync_argv(
      master, passive,
      {"--initial", "snapshot", "--include", "sy_run", "--stream", "sy_run", "--stop-at-end", "--server-id", "7171"});
  argv[1] = "run";
  ProcessResult first = run_process(argv, 120);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.err.find("copying a consistent snapshot before streaming"), std::string::npos) << first.err;
  EXPECT_EQ(compare_databases(master, "sy_run", passive, "sy_run"), "");
  // With a checkpoint, the next start streams only.
  master.exec("INSERT INTO sy_run.t VALUES (3, 'c'); UPDATE sy_run.t SET v = 'B' WHERE id = 2");
  ProcessResult second = run_process(argv, 120);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(second.err.find("copying a consistent snapshot"), std::string::npos) << second.err;
  EXPECT_EQ(compare_databases(master, "sy_run", passive, "sy_run"), "");
}

// MySQL: the lock-free snapshot (the other MySQL tests use it, under
// concurrent writes too) gives up while another session owns a GTID (SET
// GTID_NEXT), and falls back to the brief global read lock: with FLUSH_TABLES
// (or RELOAD) that works and the position is the master's; without, the
// error names the grant and why the lock-free way did not work.
TEST(SyncMySqlSnapshot, FallsBackToTheReadLockWhileAGtidIsOwned) {
  const Flavor flavor = Flavor::kMySQL97;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  for (const auto& [user, grants] : std::vector<std::pair<std::string, std::string>>{
           {"sync_noreload", "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*"},
           {"sync_flush", "REPLICATION SLAVE, REPLICATION CLIENT, SELECT, FLUSH_TABLES ON *.*"}}) {
    if (master.query_value("SELECT COUNT(*) FROM mysql.user WHERE user = '" + user + "'") == "0") {
      master.create_user(user, "pw", grants);
    }
  }
  master.exec(
      "DROP DATABASE IF EXISTS sy_owned; CREATE DATABASE sy_owned; CREATE TABLE sy_owned.t (id INT PRIMARY KEY)");
  master.exec("INSERT INTO sy_owned.t VALUES (1), (2)");
  passive.exec("DROP DATABASE IF EXISTS sy_owned");
  const BinlogStatus quiet = master.binlog_status();
  {
    SqlConnection owner = master.connect();
    owner.exec("SET GTID_NEXT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:7'");  // owned until this session ends
    ASSERT_NE(master.query_value("SELECT @@GLOBAL.gtid_owned"), "");
    sql::sync::SyncOptions options = sync_options(master, passive);
    options.filter.include = {"sy_owned"};
    options.stream = "sy_owned";
    options.source = sync_url(master, "sync_noreload", "pw");
    try {
      sql::sync::run_sync(options);
      ADD_FAILURE() << "a MySQL snapshot without a lock was accepted while a GTID was owned";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::kAuth);
      const std::string message = e.what();
      EXPECT_NE(message.find("GRANT RELOAD"), std::string::npos) << message;
      EXPECT_NE(message.find("GTIDs owned by other sessions, e.g. aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:7"),
                std::string::npos)
          << message;
    }
    options.source = sync_url(master, "sync_flush", "pw");
    const sql::sync::SyncResult result = sql::sync::run_sync(options);
    EXPECT_EQ(result.position.file, quiet.file);
    EXPECT_EQ(result.position.offset, quiet.position);
    EXPECT_EQ(result.position.gtid_executed, quiet.gtid_set);
  }
  // The server releases the ownership shortly after the session ends; later tests need it gone.
  for (int i = 0; i < 100 && master.query_value("SELECT @@GLOBAL.gtid_owned") != ""; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(master.query_value("SELECT @@GLOBAL.gtid_owned"), "");
  EXPECT_EQ(compare_databases(master, "sy_owned", passive, "sy_owned"), "");
}

}  // namespace
}  // namespace galaxis::testing

namespace galaxis::testing {
namespace {

// --out DIR writes zstd chunk files and a manifest; --in DIR restores them
// (here under another database name) and sets the checkpoint to the
// manifest's position.
TEST(SyncDumpFiles, OutThenInWithRename) {
  const Flavor flavor = Flavor::kMariaDB1011;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  export_sync_passwords();
  master.exec(
      "DROP DATABASE IF EXISTS sy_dump; CREATE DATABASE sy_dump;"
      "CREATE TABLE sy_dump.t (id INT PRIMARY KEY, b BLOB, s VARCHAR(20) CHARACTER SET latin1, f FLOAT);"
      "INSERT INTO sy_dump.t VALUES (1, 0x000A0D5C27, 'caf\\xE9\\nx', 1.0000001), (2, NULL, '', -0.0),"
      " (3, REPEAT('z', 5000), NULL, 3.4028234e38);"
      "CREATE TABLE sy_dump.nokey (a INT); INSERT INTO sy_dump.nokey VALUES (1), (1), (NULL)");
  passive.exec("DROP DATABASE IF EXISTS sy_dump_restored");
  const std::string dir = ::testing::TempDir() + "sync_dump_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::vector<std::string> out = sync_argv(
      master, passive, {"--include", "sy_dump", "--out", dir, "--chunk-rows", "2", "--progress-interval", "0"});
  ProcessResult dumped = run_process(out, 120);
  ASSERT_EQ(dumped.exit_code, 0) << dumped.out << dumped.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/t0000.c000002.zst"));
  const binlog::BinlogPosition at_dump = current_position(master);

  std::vector<std::string> in = sync_argv(master, passive,
                                          {"--include", "sy_dump", "--rename-db", "sy_dump:sy_dump_restored", "--in",
                                           dir, "--stream", "sy_dump", "--progress-interval", "0"});
  ProcessResult restored = run_process(in, 120);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(compare_databases(master, "sy_dump", passive, "sy_dump_restored"), "");
  sql::Connection target(sync_url(passive, kSyncTargetUser, kSyncTargetPassword));
  auto cp = sql::CheckpointStore("galaxis_relay", "sy_dump").load(target);
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->position.file, at_dump.file);
  EXPECT_EQ(cp->position.offset, at_dump.offset);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace galaxis::testing

namespace galaxis::testing {
namespace {

// A target user without CREATE: the copy stops and the message names the
// missing privilege (the server's own words) and the object.
TEST(SyncPrivileges, MissingTargetPrivilegeIsNamed) {
  const Flavor flavor = Flavor::kMariaDB1011;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  if (passive.query_value("SELECT COUNT(*) FROM mysql.user WHERE user = 'sync_nocreate'") == "0") {
    passive.create_user("sync_nocreate", "pw", "SELECT, INSERT, UPDATE, DELETE ON *.*");
  }
  master.exec("DROP DATABASE IF EXISTS sy_priv; CREATE DATABASE sy_priv; CREATE TABLE sy_priv.t (id INT PRIMARY KEY)");
  sql::sync::SyncOptions options = sync_options(master, passive);
  options.target = sync_url(passive, "sync_nocreate", "pw");
  options.filter.include = {"sy_priv"};
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "copy without CREATE succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kAuth) << e.what();
    EXPECT_NE(std::string(e.what()).find("the target user lacks the CREATE privilege"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("pw"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace galaxis::testing
