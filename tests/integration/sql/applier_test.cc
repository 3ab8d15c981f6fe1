// The applier against real servers: a workload on the master, its binlog
// streamed by the relay's ReplicationStream and applied to the passive by a
// user without SUPER or replica rights; then the passive must equal the
// master (compare_databases: rows byte for byte and column layout).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "apply_support.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/server_binlog_source.h"

namespace galaxis::testing {
namespace {

class ApplierTest : public MasterPassiveTest {
 protected:
  // GALAXIS_SQL_COMPACT=1 runs every scenario with net-effect compaction.
  sql::ApplierOptions options(const std::string& stream) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    o.compact_rows = std::getenv("GALAXIS_SQL_COMPACT") != nullptr;
    return o;
  }

  // Replays everything the master wrote since `from` and compares `db`.
  void replay_and_compare(const binlog::BinlogPosition& from, const std::string& db, sql::ApplierOptions o) {
    auto applier = make_applier(*passive_, o);
    replay(*master_, from, *applier);
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db), "");
    last_stats_ = applier->stats();
  }

  sql::ApplierStats last_stats_;
};

TEST_P(ApplierTest, EveryColumnTypeWithEdgeValues) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_types; CREATE DATABASE ap_types;"
      "CREATE TABLE ap_types.t (id INT PRIMARY KEY,"
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
      "INSERT INTO ap_types.t VALUES"
      " (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,"
      "  18446744073709551615, -3.40282e38, -1.7976931348623157e308,"
      "  '-99999999999999999999999999999999999.999999999999999999999999999999', -12345678.99, -99999,"
      "  '0000-00-00', '-838:59:59', '-838:59:59.000000', '0000-00-00 00:00:00', '1000-01-01 00:00:00.001',"
      "  '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999', 1901,"
      "  'a''b\\\\c', 'emoji \\xF0\\x9F\\x98\\x80 \\'q\\' \"dq\" \\\\ %_', 'caf\\xE9',"
      "  0x00FF0A0D, 0x00, 'text\\0nul', 0xDEADBEEF00, REPEAT('x', 70000),"
      "  'c', 'x,y,z', b'1', b'1111111111111111111111111111111111111111111111111111111111111111',"
      "  '{\"a\": [1, 2.5, \"s\", null, true], \"b\": {\"c\": \"\\\\u00e9\"}}', ST_GeomFromText('POINT(1 2)')),"
      " (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 1.17549e-38, 2.2250738585072014e-308,"
      "  '99999999999999999999999999999999999.999999999999999999999999999999', 0.01, 0,"
      "  '9999-12-31', '838:59:59', '00:00:00.000001', '9999-12-31 23:59:59', '2024-02-29 12:00:00.5',"
      "  '2000-02-29 23:59:59', '1999-12-31 23:59:59.000001', 2155,"
      "  '', '', '', '', '', '', '', '', '', '', b'0', b'0', '[]',"
      "  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))')),"
      " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      "  NULL),"
      " (4, 0, 128, 0, 32768, 0, 8388608, 0, 2147483648, 0, 9223372036854775808, 0.1, 0.1, 0, -0.5, 1,"
      "  '2000-01-01', '00:00:00', '12:34:56.789', '2000-01-01 00:00:00', '2000-01-01 00:00:00.000',"
      "  '2000-01-01 00:00:00', '2000-01-01 00:00:00.123456', 2000, 'x', 'y', 'z', 0x01, 0x02, 't', 'b', 'm',"
      "  'a', '', b'1', b'1000000000000000000000000000000000000000000000000000000000000000', '\"str\"',"
      "  ST_GeomFromText('LINESTRING(0 0,1 1,2 2)'))");
  master_->exec(
      "SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION', time_zone='+00:00';"
      "UPDATE ap_types.t SET vc = CONCAT(vc, '!'), f = f / 3, ts = '2001-02-03 04:05:06', j = '{\"k\": 1}',"
      " bl = 0x00010203 WHERE id IN (1, 4);"
      "UPDATE ap_types.t SET id = 40 WHERE id = 4;"
      "DELETE FROM ap_types.t WHERE id = 2;"
      "INSERT INTO ap_types.t (id, e, s) VALUES (5, 'b', 'y'), (6, 'a', '')");
  replay_and_compare(from, "ap_types", options("types"));
}

TEST_P(ApplierTest, KeysCompositeKeysPkChangesUniqueSwapsAndTablesWithoutKeys) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_keys; CREATE DATABASE ap_keys;"
      "CREATE TABLE ap_keys.comp (a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, b)) DEFAULT CHARSET=utf8mb4;"
      "CREATE TABLE ap_keys.pk (id INT PRIMARY KEY, v INT);"
      "CREATE TABLE ap_keys.uq (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY (code));"
      "CREATE TABLE ap_keys.uqonly (a INT NOT NULL, b INT, UNIQUE KEY ua (a));"
      "CREATE TABLE ap_keys.nokey (a INT, b VARCHAR(10)) DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci;"
      "INSERT INTO ap_keys.comp VALUES (1,'x',1),(1,'y',2),(2,'x',3);"
      "INSERT INTO ap_keys.pk VALUES (1,1),(2,2),(3,3);"
      "INSERT INTO ap_keys.uq VALUES (1,1),(2,2);"
      "INSERT INTO ap_keys.uqonly VALUES (1,1),(2,NULL);"
      "INSERT INTO ap_keys.nokey VALUES (1,'x'),(1,'x'),(1,'X'),(2,NULL),(2,NULL)");
  master_->exec(
      "START TRANSACTION;"
      "UPDATE ap_keys.pk SET id = id + 10 ORDER BY id DESC;"
      "UPDATE ap_keys.uq SET code = -1 WHERE id = 1; UPDATE ap_keys.uq SET code = 1 WHERE id = 2;"
      "UPDATE ap_keys.uq SET code = 2 WHERE id = 1;"
      "UPDATE ap_keys.comp SET b = 'z' WHERE a = 1 AND b = 'x';"
      "DELETE FROM ap_keys.comp WHERE a = 2;"
      "UPDATE ap_keys.uqonly SET b = 5 WHERE a = 2; UPDATE ap_keys.uqonly SET a = 3 WHERE a = 1;"
      "COMMIT;"
      "DELETE FROM ap_keys.nokey WHERE a = 1 AND b = 'x' COLLATE utf8mb4_bin LIMIT 1;"
      "UPDATE ap_keys.nokey SET b = 'n' WHERE b IS NULL LIMIT 1;"
      "UPDATE ap_keys.nokey SET a = 9 WHERE b = 'X' COLLATE utf8mb4_bin");
  replay_and_compare(from, "ap_keys", options("keys"));
  // The same stream with net-effect compaction, into a renamed copy.
  sql::ApplierOptions compact = options("keys_compact");
  compact.compact_rows = true;
  compact.filter.include = {"ap_keys"};
  compact.filter.rename_db = {{"ap_keys", "ap_keys_c"}};
  auto applier = make_applier(*passive_, compact);
  replay(*master_, from, *applier);
  EXPECT_EQ(compare_databases(*master_, "ap_keys", *passive_, "ap_keys_c"), "");
}

TEST_P(ApplierTest, MinimalRowImages) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_min; CREATE DATABASE ap_min;"
      "CREATE TABLE ap_min.t (id INT PRIMARY KEY, a INT, b VARCHAR(20) DEFAULT 'dflt', c TEXT);"
      "CREATE TABLE ap_min.comp (k1 INT, k2 INT, v INT, PRIMARY KEY (k1, k2));"
      "SET SESSION binlog_row_image = 'MINIMAL';"
      "INSERT INTO ap_min.t (id, a) VALUES (1, 1), (2, 2), (3, 3);"
      "INSERT INTO ap_min.comp VALUES (1, 1, 1), (1, 2, 2);"
      "UPDATE ap_min.t SET a = 10, c = 'changed' WHERE id = 1;"
      "UPDATE ap_min.t SET id = 30 WHERE id = 3;"
      "UPDATE ap_min.comp SET v = 7 WHERE k1 = 1;"
      "DELETE FROM ap_min.t WHERE id = 2;"
      "SET SESSION binlog_row_image = 'FULL'");
  replay_and_compare(from, "ap_min", options("minimal"));
}

TEST_P(ApplierTest, GeneratedAndInvisibleColumns) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_gen; CREATE DATABASE ap_gen;"
      "CREATE TABLE ap_gen.t (id INT PRIMARY KEY, a INT, v INT AS (a * 2) VIRTUAL, s INT AS (a + 1) STORED,"
      " hidden INT INVISIBLE DEFAULT 7);"
      "INSERT INTO ap_gen.t (id, a, hidden) VALUES (1, 1, 100), (2, 2, 200);"
      "INSERT INTO ap_gen.t (id, a) VALUES (3, 3);"
      "UPDATE ap_gen.t SET a = 20, hidden = 201 WHERE id = 2;"
      "DELETE FROM ap_gen.t WHERE id = 1");
  replay_and_compare(from, "ap_gen", options("generated"));
  EXPECT_EQ(passive_->query_value("SELECT GROUP_CONCAT(hidden ORDER BY id) FROM ap_gen.t"), "201,7");
}

TEST_P(ApplierTest, ForeignKeyCascadesRunOnTheTarget) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_fk; CREATE DATABASE ap_fk;"
      "CREATE TABLE ap_fk.parent (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE ap_fk.child (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES ap_fk.parent (id)"
      " ON DELETE CASCADE ON UPDATE CASCADE) ENGINE=InnoDB;"
      "INSERT INTO ap_fk.parent VALUES (1), (2), (3);"
      "INSERT INTO ap_fk.child VALUES (10, 1), (11, 1), (20, 2), (30, 3);"
      "DELETE FROM ap_fk.parent WHERE id = 1;"
      "UPDATE ap_fk.parent SET id = 200 WHERE id = 2;"
      "SET SESSION foreign_key_checks = 0; INSERT INTO ap_fk.child VALUES (99, 999); SET SESSION foreign_key_checks = "
      "1");
  sql::ApplierOptions o = options("fk");
  o.strict_row_counts = false;  // a source that logs cascaded rows makes them no-ops here
  replay_and_compare(from, "ap_fk", o);
}

TEST_P(ApplierTest, TriggersDoNotApplyTwiceButStillWorkForOtherSessions) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_trg; CREATE DATABASE ap_trg;"
      "CREATE TABLE ap_trg.t (id INT PRIMARY KEY, v INT);"
      "CREATE TABLE ap_trg.audit (n INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20), id INT);"
      "CREATE TRIGGER ap_trg.t_ai AFTER INSERT ON ap_trg.t FOR EACH ROW INSERT INTO ap_trg.audit (what, id)"
      " VALUES ('insert', NEW.id);"
      "CREATE TRIGGER ap_trg.t_bu BEFORE UPDATE ON ap_trg.t FOR EACH ROW BEGIN SET NEW.v = NEW.v * 10;"
      " INSERT INTO ap_trg.audit (what, id) VALUES ('update', NEW.id); END;"
      "INSERT INTO ap_trg.t VALUES (1, 1), (2, 2);"
      "UPDATE ap_trg.t SET v = 5 WHERE id = 1");
  replay_and_compare(from, "ap_trg", options("triggers"));
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ap_trg.audit"), "3");
  EXPECT_EQ(passive_->query_value("SELECT v FROM ap_trg.t WHERE id = 1"), "50");
  // Any other session (the application after a failover) gets the trigger.
  passive_->exec("INSERT INTO ap_trg.t VALUES (3, 3)");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ap_trg.audit"), "4");
}

TEST_P(ApplierTest, DdlBetweenDml) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_ddl; CREATE DATABASE ap_ddl; USE ap_ddl;"
      "CREATE TABLE t (id INT PRIMARY KEY, a INT);"
      "INSERT INTO t VALUES (1, 1), (2, 2);"
      "ALTER TABLE t ADD COLUMN b VARCHAR(10) NOT NULL DEFAULT 'new';"
      "INSERT INTO t VALUES (3, 3, 'three');"
      "ALTER TABLE t MODIFY a BIGINT UNSIGNED;"
      "UPDATE t SET a = 18446744073709551615 WHERE id = 1;"
      "ALTER TABLE t DROP COLUMN b;"
      "INSERT INTO t VALUES (4, 4);"
      "RENAME TABLE t TO t2;"
      "INSERT INTO t2 VALUES (5, 5);"
      "CREATE TABLE copy AS SELECT * FROM t2 WHERE id < 3;"
      "CREATE INDEX ia ON t2 (a);"
      "CREATE VIEW v AS SELECT id FROM t2;"
      "CREATE TABLE gone (x INT); INSERT INTO gone VALUES (1); DROP TABLE gone;"
      "CREATE TABLE trunc (x INT); INSERT INTO trunc VALUES (1), (2); TRUNCATE TABLE trunc; INSERT INTO trunc VALUES "
      "(3);"
      "ALTER TABLE t2 ADD COLUMN c INT FIRST;"
      "INSERT INTO t2 VALUES (9, 6, 6)");
  replay_and_compare(from, "ap_ddl", options("ddl"));
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ap_ddl.v"), "6");
  EXPECT_GE(last_stats_.ddl, 10u);
}

TEST_P(ApplierTest, SavepointsRollbacksAndMultiDatabaseTransactions) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_sp1; CREATE DATABASE ap_sp1; DROP DATABASE IF EXISTS ap_sp2; CREATE DATABASE ap_sp2;"
      "CREATE TABLE ap_sp1.t (id INT PRIMARY KEY); CREATE TABLE ap_sp2.t (id INT PRIMARY KEY);"
      "START TRANSACTION; INSERT INTO ap_sp1.t VALUES (1); SAVEPOINT s1; INSERT INTO ap_sp1.t VALUES (2);"
      " ROLLBACK TO SAVEPOINT s1; INSERT INTO ap_sp2.t VALUES (1); COMMIT;"
      "START TRANSACTION; INSERT INTO ap_sp1.t VALUES (3); ROLLBACK;"
      "START TRANSACTION; INSERT INTO ap_sp1.t VALUES (4); INSERT INTO ap_sp2.t VALUES (4); COMMIT");
  if (is_mariadb(GetParam())) {
    // A non-transactional change inside a rolled-back transaction: BEGIN ... ROLLBACK in the binlog.
    master_->exec(
        "CREATE TABLE ap_sp1.m (id INT) ENGINE=MyISAM;"
        "START TRANSACTION; INSERT INTO ap_sp1.t VALUES (5); INSERT INTO ap_sp1.m VALUES (5); ROLLBACK;");
  }
  replay_and_compare(from, "ap_sp1", options("savepoints"));
  EXPECT_EQ(compare_databases(*master_, "ap_sp2", *passive_, "ap_sp2"), "");
}

TEST_P(ApplierTest, FiltersAndDatabaseRename) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_src; CREATE DATABASE ap_src;"
      "DROP DATABASE IF EXISTS ap_skip; CREATE DATABASE ap_skip;"
      "CREATE TABLE ap_src.t (id INT PRIMARY KEY, v VARCHAR(10));"
      "CREATE TABLE ap_src.tmp_x (id INT PRIMARY KEY);"
      "CREATE TABLE ap_skip.t (id INT PRIMARY KEY);"
      "INSERT INTO ap_src.t VALUES (1, 'a'), (2, 'b'); INSERT INTO ap_src.tmp_x VALUES (1);"
      "INSERT INTO ap_skip.t VALUES (1);"
      "ALTER TABLE ap_src.t ADD COLUMN w INT; UPDATE ap_src.t SET w = id;"
      "USE ap_src; CREATE TABLE t2 (id INT PRIMARY KEY); INSERT INTO t2 VALUES (7); DROP TABLE tmp_x");
  passive_->exec("DROP DATABASE IF EXISTS ap_dst; DROP DATABASE IF EXISTS ap_skip");
  sql::ApplierOptions o = options("filters");
  o.filter.include = {"ap_src"};
  o.filter.rename_db = {{"ap_src", "ap_dst"}};
  auto applier = make_applier(*passive_, o);
  replay(*master_, from, *applier);
  master_->exec("DROP TABLE IF EXISTS ap_src.tmp_x");
  EXPECT_EQ(compare_databases(*master_, "ap_src", *passive_, "ap_dst"), "");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN "
                                  "('ap_src', 'ap_skip')"),
            "0");
}

TEST_P(ApplierTest, LargeTransactionStreamsThroughInBatches) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_big; CREATE DATABASE ap_big;"
      "CREATE TABLE ap_big.t (id INT PRIMARY KEY, pad VARCHAR(100));");
  master_->exec(is_mysql(GetParam()) ? "SET SESSION cte_max_recursion_depth = 1000000"
                                     : "SET SESSION max_recursive_iterations = 1000000");
  master_->exec(
      "INSERT INTO ap_big.t WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100000)"
      " SELECT n, REPEAT('p', 50) FROM seq;"
      "START TRANSACTION; UPDATE ap_big.t SET pad = 'q' WHERE id % 3 = 0; DELETE FROM ap_big.t WHERE id % 5 = 0;"
      " COMMIT");
  sql::ApplierOptions o = options("big");
  o.max_batch_bytes = 256 << 10;
  auto applier = make_applier(*passive_, o);
  auto start = std::chrono::steady_clock::now();
  replay(*master_, from, *applier);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(compare_databases(*master_, "ap_big", *passive_, "ap_big"), "");
  const sql::ApplierStats& stats = applier->stats();
  EXPECT_EQ(stats.rows, 100000u + 33333u + 20000u);
  EXPECT_GT(stats.round_trips, 20u);  // streamed in batches, not one statement
  std::printf("[ perf ] %s: large transaction: %llu rows in %.2f s = %.0f rows/s, %llu round trips, %llu commits\n",
              std::string(flavor_name(GetParam())).c_str(), static_cast<unsigned long long>(stats.rows), seconds,
              stats.rows / seconds, static_cast<unsigned long long>(stats.round_trips),
              static_cast<unsigned long long>(stats.target_commits));
}

TEST_P(ApplierTest, ManySmallTransactionsAreGroupedThroughput) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ap_small; CREATE DATABASE ap_small;"
      "CREATE TABLE ap_small.t (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(60), pad CHAR(60), KEY (k));");
  std::string seed = "INSERT INTO ap_small.t VALUES ";
  for (int i = 1; i <= 2000; ++i) {
    if (i > 1) seed.push_back(',');
    seed += fmt::format("({},{},'c{}','p')", i, i, i);
  }
  master_->exec(seed);
  // Two copies on the passive: ap_small (statement per row) and ap_small_c (net-effect compaction).
  sql::ApplierOptions plain = options("small");
  plain.compact_rows = false;
  sql::ApplierOptions compact = options("small_compact");
  compact.compact_rows = true;
  compact.filter.include = {"ap_small"};
  compact.filter.rename_db = {{"ap_small", "ap_small_c"}};
  {
    auto a = make_applier(*passive_, plain);
    replay(*master_, from, *a);
    auto b = make_applier(*passive_, compact);
    replay(*master_, from, *b);
  }
  const binlog::BinlogPosition workload_start = master_position(*master_);
  // sysbench oltp_write_only shape: per transaction an indexed UPDATE, a
  // non-indexed UPDATE, a DELETE and an INSERT of the same id.
  const int transactions = 5000;
  std::string batch;
  for (int n = 0; n < transactions; ++n) {
    int id = (n * 7919) % 2000 + 1;
    batch += fmt::format(
        "START TRANSACTION;UPDATE ap_small.t SET k=k+1 WHERE id={0};UPDATE ap_small.t SET c='u{1}' WHERE id={0};"
        "DELETE FROM ap_small.t WHERE id={0};INSERT INTO ap_small.t VALUES ({0},{1},'i{1}','p');COMMIT;",
        id, n);
    if (n % 250 == 249) {
      master_->exec(batch);
      batch.clear();
    }
  }
  for (const sql::ApplierOptions& o : {plain, compact}) {
    auto applier = make_applier(*passive_, o);
    auto start = std::chrono::steady_clock::now();
    replay(*master_, workload_start, *applier);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(compare_databases(*master_, "ap_small", *passive_, o.compact_rows ? "ap_small_c" : "ap_small"), "");
    const sql::ApplierStats& stats = applier->stats();
    EXPECT_EQ(stats.transactions, static_cast<uint64_t>(transactions));
    EXPECT_LT(stats.target_commits, stats.transactions / 10);  // grouped
    std::printf(
        "[ perf ] %s%s: %llu source transactions (%llu rows) in %.2f s = %.0f trx/s, %.0f rows/s; "
        "%llu target commits, %llu round trips, %llu statements, %.2f s waiting for the target\n",
        std::string(flavor_name(GetParam())).c_str(), o.compact_rows ? " compacted" : "",
        static_cast<unsigned long long>(stats.transactions), static_cast<unsigned long long>(stats.rows), seconds,
        stats.transactions / seconds, stats.rows / seconds, static_cast<unsigned long long>(stats.target_commits),
        static_cast<unsigned long long>(stats.round_trips), static_cast<unsigned long long>(stats.statements),
        stats.send_microseconds / 1e6);
  }
  // The same stream with a consumer that does nothing: the source side's share.
  struct Null : relay::TransactionConsumer {
    void on_transaction_begin(const relay::TransactionInfo&) override {}
    void on_event(const relay::TransactionInfo&, const relay::StreamEvent&) override {}
    void on_transaction_commit(const relay::TransactionInfo&) override {}
    void on_transaction_abort(const relay::TransactionInfo&, const Error&) override {}
  } null_consumer;
  relay::ServerSourceOptions source_options;
  source_options.url = user_url(*master_, kSourceUser, kSourcePassword);
  source_options.non_blocking = true;
  source_options.server_id = 5152;
  relay::ServerBinlogSource source(source_options);
  relay::ReplicationStream stream(source);
  relay::StartPosition start_at;
  start_at.file = workload_start.file;
  start_at.offset = workload_start.offset;
  auto start = std::chrono::steady_clock::now();
  stream.run(start_at, null_consumer);
  std::printf("[ perf ] %s: the same stream decoded without applying: %.2f s\n",
              std::string(flavor_name(GetParam())).c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

INSTANTIATE_TEST_SUITE_P(Flavors, ApplierTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
