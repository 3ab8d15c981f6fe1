// Issue 14, schema part: every column the master keeps reaches the right
// passive column or is skipped on purpose, and the passive ends equal to the
// master — and to a native replica fed the same binlog.
//
// A "schema zoo" of special column kinds (MariaDB long UNIQUE keys with
// their hidden DB_ROW_HASH_n columns, system-versioned tables — implicit and
// explicit periods, InnoDB, MyISAM, PARTITION BY SYSTEM_TIME, no key —,
// application-time periods with WITHOUT OVERLAPS, INVISIBLE columns,
// VIRTUAL/STORED generated columns, MySQL functional indexes' hidden columns
// and generated invisible primary keys, columns added FIRST/AFTER and
// dropped between DML) gets inserts, updates and deletes on the master, with
// binlog_row_metadata MINIMAL (positions) and FULL (names); the relay applies
// it with the serial and with the parallel applier, and the result is
// compared with compare_databases (which reads INVISIBLE columns and
// versioned tables FOR SYSTEM_TIME ALL with their period columns) against
// the master and against a native replica.
#include <gtest/gtest.h>

#include <tuple>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"
#include "galaxis/testing/native_replica.h"

namespace galaxis::testing {
namespace {

class SchemaFidelityTest : public MasterPassiveTest {
 protected:
  void TearDown() override {
    if (!original_metadata_.empty()) master_->exec("SET GLOBAL binlog_row_metadata = " + original_metadata_);
  }

  bool mariadb() const { return is_mariadb(GetParam()); }

  // Runs `sql` on a new master session with binlog_row_metadata set
  // globally (it is a global variable on both flavours), then restores it.
  void run_with_metadata(const std::string& metadata, const std::string& sql) {
    if (original_metadata_.empty()) original_metadata_ = master_->query_value("SELECT @@GLOBAL.binlog_row_metadata");
    master_->exec("SET GLOBAL binlog_row_metadata = " + metadata);
    {
      SqlConnection session(master_->connect_options());
      session.exec(sql);
    }
    master_->exec("SET GLOBAL binlog_row_metadata = " + original_metadata_);
  }

  sql::ApplierOptions serial_options(const std::string& stream, const std::string& db) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    o.filter.include = {db};
    return o;
  }

  void apply_serial(const binlog::BinlogPosition& from, const std::string& db, const std::string& stream) {
    auto applier = make_applier(*passive_, serial_options(stream, db));
    replay(*master_, from, *applier);
  }

  // The same range with 4 workers and net-effect compaction (run's defaults) into `db`_p.
  void apply_parallel(const binlog::BinlogPosition& from, const std::string& db, const std::string& stream) {
    sql::ParallelApplierOptions o;
    o.applier = serial_options(stream, db);
    o.applier.compact_rows = true;
    o.applier.filter.rename_db = {{db, db + "_p"}};
    o.workers = 4;
    o.epoch_mode = sql::ParallelApplierOptions::EpochMode::kParallel;
    sql::ParallelApplier applier([this] { return target_connection(*passive_); }, std::move(o));
    replay(*master_, from, applier);
  }

  // The zoo's tables for this flavour.
  std::string zoo_ddl(const std::string& db) {
    std::string ddl = "DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db + ";";
    // Generated and invisible columns, on both flavours (PERSISTENT is MariaDB's STORED).
    ddl += "CREATE TABLE " + db +
           ".gen (id INT PRIMARY KEY, a INT, v INT AS (a * 2) VIRTUAL, s INT AS (a + 1) STORED,"
           " h INT INVISIBLE DEFAULT 7, note VARCHAR(20));"
           "CREATE TABLE " +
           db + ".shift (id INT PRIMARY KEY, a INT, b VARCHAR(10));";
    if (mariadb()) {
      ddl += "CREATE TABLE " + db + ".gen_p (id INT PRIMARY KEY, a INT, p INT AS (a * 3) PERSISTENT);";
      // Long UNIQUE keys: hidden DB_ROW_HASH_1/2 at the end of each row image.
      ddl += "CREATE TABLE " + db + ".lu (id INT PRIMARY KEY, b BLOB, t TEXT, UNIQUE KEY ub (b), UNIQUE KEY ut (t));";
      ddl += "CREATE TABLE " + db + ".lu_nokey (b BLOB, c INT, UNIQUE KEY (b));";
      // System versioning in every storage shape.
      ddl += "CREATE TABLE " + db + ".ver (id INT PRIMARY KEY, a INT, note VARCHAR(20)) WITH SYSTEM VERSIONING;";
      ddl += "CREATE TABLE " + db +
             ".ver_explicit (id INT PRIMARY KEY, a INT, rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE,"
             " re TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME (rs, re))"
             " WITH SYSTEM VERSIONING;";
      ddl += "CREATE TABLE " + db + ".ver_myisam (id INT PRIMARY KEY, a INT) ENGINE=MyISAM WITH SYSTEM VERSIONING;";
      ddl += "CREATE TABLE " + db +
             ".ver_part (id INT PRIMARY KEY, a INT) WITH SYSTEM VERSIONING"
             " PARTITION BY SYSTEM_TIME (PARTITION ph HISTORY, PARTITION pc CURRENT);";
      ddl += "CREATE TABLE " + db + ".ver_nokey (a INT, b VARCHAR(10)) WITH SYSTEM VERSIONING;";
      ddl += "CREATE TABLE " + db + ".ver_lu (id INT PRIMARY KEY, b BLOB, UNIQUE KEY (b)) WITH SYSTEM VERSIONING;";
      // Application-time period.
      ddl += "CREATE TABLE " + db +
             ".app (id INT NOT NULL, s DATE NOT NULL, e DATE NOT NULL, v INT, PERIOD FOR p (s, e),"
             " PRIMARY KEY (id, p WITHOUT OVERLAPS));";
    } else {
      // A functional index keeps a hidden virtual column; a generated
      // invisible primary key is a real (INVISIBLE) column.
      ddl += "CREATE TABLE " + db + ".func (id INT PRIMARY KEY, a INT, INDEX ((a + 1)), UNIQUE INDEX ((a * 10)));";
      ddl += "SET SESSION sql_generate_invisible_primary_key = ON; CREATE TABLE " + db +
             ".gipk (a INT, b VARCHAR(10)); SET SESSION sql_generate_invisible_primary_key = OFF;";
    }
    return ddl;
  }

  std::string zoo_dml(const std::string& db) {
    std::string dml = "INSERT INTO " + db +
                      ".gen (id, a, h, note) VALUES (1, 1, 100, 'x'), (2, 2, 200, 'y');"
                      "INSERT INTO " +
                      db +
                      ".gen (id, a) VALUES (3, 3);"
                      "UPDATE " +
                      db +
                      ".gen SET a = 20, h = 201 WHERE id = 2;"
                      "DELETE FROM " +
                      db +
                      ".gen WHERE id = 1;"
                      "INSERT INTO " +
                      db +
                      ".shift VALUES (1, 1, 'a'), (2, 2, 'b');"
                      "ALTER TABLE " +
                      db +
                      ".shift ADD COLUMN f INT DEFAULT 5 FIRST;"
                      "INSERT INTO " +
                      db +
                      ".shift (f, id, a, b) VALUES (6, 3, 3, 'c');"
                      "UPDATE " +
                      db +
                      ".shift SET f = 9, b = 'bb' WHERE id = 2;"
                      "ALTER TABLE " +
                      db +
                      ".shift ADD COLUMN m VARCHAR(5) DEFAULT 'mid' AFTER a;"
                      "INSERT INTO " +
                      db +
                      ".shift (id, a, m, b) VALUES (4, 4, 'm4', 'd');"
                      "ALTER TABLE " +
                      db +
                      ".shift DROP COLUMN a;"
                      "UPDATE " +
                      db + ".shift SET m = 'm1' WHERE id = 1; DELETE FROM " + db +
                      ".shift WHERE id = 3;"
                      "INSERT INTO " +
                      db + ".shift (id, m, b) VALUES (5, 'm5', 'e');";
    if (mariadb()) {
      dml += "INSERT INTO " + db + ".gen_p (id, a) VALUES (1, 1), (2, 2); UPDATE " + db +
             ".gen_p SET a = 5 WHERE id = 1;"
             // A long UNIQUE key added between DML: one more hidden hash column.
             "ALTER TABLE " +
             db +
             ".gen_p ADD COLUMN tx TEXT, ADD UNIQUE KEY utx (tx);"
             "INSERT INTO " +
             db + ".gen_p (id, a, tx) VALUES (3, 3, 'long'); UPDATE " + db +
             ".gen_p SET tx = 'longer', a = 4 WHERE id = 3;"
             "INSERT INTO " +
             db +
             ".lu VALUES (1, 'a', 'ta'), (2, REPEAT('b', 5000), 'tb'), (3, NULL, NULL);"
             "UPDATE " +
             db +
             ".lu SET b = 'aa' WHERE id = 1;"
             "UPDATE " +
             db +
             ".lu SET t = 'tbb', b = NULL WHERE id = 2;"
             "DELETE FROM " +
             db +
             ".lu WHERE id = 3;"
             "ALTER TABLE " +
             db +
             ".lu ADD COLUMN c0 INT DEFAULT 0 FIRST;"
             "INSERT INTO " +
             db +
             ".lu (c0, id, b, t) VALUES (4, 4, 'd', 'td');"
             "UPDATE " +
             db +
             ".lu SET b = 'ddd', c0 = 44 WHERE id = 4;"
             "INSERT INTO " +
             db +
             ".lu_nokey VALUES ('x', 1), ('y', 2), (NULL, 3), (NULL, 3);"
             "UPDATE " +
             db + ".lu_nokey SET b = 'xx' WHERE c = 1; DELETE FROM " + db +
             ".lu_nokey WHERE b = 'y';"
             "DELETE FROM " +
             db +
             ".lu_nokey WHERE b IS NULL LIMIT 1;"
             // Versioned: multi-row statements, a transaction with two updates of
             // the same row, delete and re-insert of a key, REPLACE, upsert.
             "INSERT INTO " +
             db +
             ".ver VALUES (1, 1, 'one'), (2, 2, 'two'), (3, 3, 'three');"
             "UPDATE " +
             db +
             ".ver SET a = a + 10;"
             "BEGIN; UPDATE " +
             db + ".ver SET note = 'uno' WHERE id = 1; UPDATE " + db +
             ".ver SET note = 'eins' WHERE id = 1; COMMIT;"
             "DELETE FROM " +
             db +
             ".ver WHERE id = 2;"
             "INSERT INTO " +
             db +
             ".ver VALUES (2, 22, 'again');"
             "REPLACE INTO " +
             db +
             ".ver VALUES (3, 33, 'replaced');"
             "INSERT INTO " +
             db +
             ".ver VALUES (1, 0, 'dup') ON DUPLICATE KEY UPDATE a = a + 100;"
             "INSERT INTO " +
             db +
             ".ver_explicit (id, a) VALUES (1, 1), (2, 2);"
             "UPDATE " +
             db + ".ver_explicit SET a = 5 WHERE id = 1; DELETE FROM " + db +
             ".ver_explicit WHERE id = 2;"
             "INSERT INTO " +
             db + ".ver_myisam VALUES (1, 1), (2, 2); UPDATE " + db +
             ".ver_myisam SET a = a + 10;"
             "DELETE FROM " +
             db +
             ".ver_myisam WHERE id = 1;"
             "INSERT INTO " +
             db + ".ver_part VALUES (1, 1), (2, 2); UPDATE " + db +
             ".ver_part SET a = a + 10;"
             "DELETE FROM " +
             db +
             ".ver_part WHERE id = 1;"
             "INSERT INTO " +
             db +
             ".ver_nokey VALUES (1, 'x'), (1, 'x'), (2, NULL);"
             "UPDATE " +
             db + ".ver_nokey SET b = 'y' WHERE a = 1 LIMIT 1; DELETE FROM " + db +
             ".ver_nokey WHERE a = 2;"
             "INSERT INTO " +
             db + ".ver_lu VALUES (1, 'p'), (2, 'q'); UPDATE " + db +
             ".ver_lu SET b = 'pp' WHERE id = 1;"
             "DELETE FROM " +
             db +
             ".ver_lu WHERE id = 2;"
             "INSERT INTO " +
             db +
             ".app VALUES (1, '2024-01-01', '2024-02-01', 1), (2, '2024-01-01', '2024-03-01', 2);"
             "UPDATE " +
             db +
             ".app FOR PORTION OF p FROM '2024-01-10' TO '2024-01-20' SET v = 10 WHERE id = 1;"
             "DELETE FROM " +
             db + ".app FOR PORTION OF p FROM '2024-02-01' TO '2024-02-15' WHERE id = 2;";
    } else {
      dml += "INSERT INTO " + db + ".func VALUES (1, 1), (2, 2); UPDATE " + db +
             ".func SET a = 5 WHERE id = 1;"
             "DELETE FROM " +
             db +
             ".func WHERE id = 2;"
             "INSERT INTO " +
             db + ".gipk VALUES (1, 'a'), (1, 'a'), (2, 'b'); UPDATE " + db +
             ".gipk SET b = 'c' WHERE a = 2;"
             "DELETE FROM " +
             db + ".gipk WHERE a = 1 LIMIT 1;";
    }
    return dml;
  }

  // The passive (and its parallel copy, and a native replica) must equal the master.
  void zoo(const std::string& metadata, const std::string& db) {
    const binlog::BinlogPosition from = master_position(*master_);
    const BinlogStatus native_from = master_->binlog_status();
    run_with_metadata(metadata, zoo_ddl(db) + zoo_dml(db));
    apply_serial(from, db, db);
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db), "") << "serial applier, metadata " << metadata;
    apply_parallel(from, db, db + "_p");
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_p"), "") << "parallel applier, metadata " << metadata;
    if (mariadb()) {
      // The target's own hash finds rows by the long-unique value and refuses duplicates.
      EXPECT_EQ(passive_->query_value("SELECT id FROM " + db + ".lu WHERE b = 'ddd'"), "4");
      EXPECT_THROW(passive_->exec("INSERT INTO " + db + ".lu (id, b) VALUES (9, 'aa')"), Error);
      // History rows exist and carry the master's times (compare_databases
      // read them too; this says they are not trivially empty).
      EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM " + db + ".ver FOR SYSTEM_TIME ALL"),
                master_->query_value("SELECT COUNT(*) FROM " + db + ".ver FOR SYSTEM_TIME ALL"));
      EXPECT_GE(std::stoi(passive_->query_value("SELECT COUNT(*) FROM " + db + ".ver FOR SYSTEM_TIME ALL")), 9);
    }
    Server& native = native_replica(GetParam());
    replicate_natively(native, *master_, native_from, {kSourceUser, kSourcePassword, {db}, 60});
    EXPECT_EQ(compare_databases(native, db, *passive_, db), "") << "native replica vs relay, metadata " << metadata;
  }

  std::string original_metadata_;
};

TEST_P(SchemaFidelityTest, ZooWithMinimalMetadataMatchesByPosition) { zoo("MINIMAL", "fs_zoo_min"); }

TEST_P(SchemaFidelityTest, ZooWithFullMetadataMatchesByName) { zoo("FULL", "fs_zoo_full"); }

// The two lines: a hidden DB_ROW_HASH_1 made the row event one column
// wider than information_schema's table, and the relay stopped.
TEST_P(SchemaFidelityTest, LongUniqueBlobTwoLineReproducer) {
  if (!mariadb()) GTEST_SKIP() << "long UNIQUE keys on BLOB are MariaDB's";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fs_lu; CREATE DATABASE fs_lu; USE fs_lu;"
      "CREATE TABLE t1 (id INT PRIMARY KEY, b BLOB, UNIQUE KEY (b)); INSERT INTO t1 VALUES (1,'a');");
  apply_serial(from, "fs_lu", "fs_lu");
  EXPECT_EQ(compare_databases(*master_, "fs_lu", *passive_, "fs_lu"), "");
}

// A versioned table: the row events carry row_start/row_end (not in
// information_schema) and each UPDATE logs its history row.
TEST_P(SchemaFidelityTest, SystemVersionedReproducer) {
  if (!mariadb()) GTEST_SKIP() << "system versioning is MariaDB's";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fs_ver; CREATE DATABASE fs_ver; USE fs_ver;"
      "CREATE TABLE t1 (id INT PRIMARY KEY, a INT) WITH SYSTEM VERSIONING;"
      "INSERT INTO t1 VALUES (1, 1); UPDATE t1 SET a = 2; DELETE FROM t1;");
  apply_serial(from, "fs_ver", "fs_ver");
  EXPECT_EQ(compare_databases(*master_, "fs_ver", *passive_, "fs_ver"), "");
  EXPECT_EQ(passive_->query("SELECT a, row_start, row_end FROM fs_ver.t1 FOR SYSTEM_TIME ALL ORDER BY row_start"),
            master_->query("SELECT a, row_start, row_end FROM fs_ver.t1 FOR SYSTEM_TIME ALL ORDER BY row_start"));
}

// Transaction-id periods: MariaDB logs DML on such tables as statements even
// with binlog_format=ROW (the ids are the engine's own, so rows could not
// carry them). The relay replays no statement DML: it stops and says why.
TEST_P(SchemaFidelityTest, TransactionIdVersioningStopsWithAClearError) {
  if (!mariadb()) GTEST_SKIP() << "system versioning is MariaDB's";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fs_trx; CREATE DATABASE fs_trx;"
      "CREATE TABLE fs_trx.t (id INT PRIMARY KEY, a INT, s BIGINT UNSIGNED GENERATED ALWAYS AS ROW START INVISIBLE,"
      " e BIGINT UNSIGNED GENERATED ALWAYS AS ROW END INVISIBLE, PERIOD FOR SYSTEM_TIME (s, e))"
      " ENGINE=InnoDB WITH SYSTEM VERSIONING;"
      "INSERT INTO fs_trx.t VALUES (1, 1), (2, 2)");
  auto applier = make_applier(*passive_, serial_options("fs_trx", "fs_trx"));
  try {
    replay(*master_, from, *applier);
    FAIL() << "a transaction-id versioned table was replayed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("WITH SYSTEM VERSIONING by transaction id"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("INSERT INTO fs_trx.t"), std::string::npos) << e.what();
  }
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM fs_trx.t"), "0");
}

// DELETE HISTORY removes history rows one Delete_rows row at a time; the
// passive cannot remove single history rows, so the relay stops and says so.
TEST_P(SchemaFidelityTest, DeleteHistoryStopsWithAClearError) {
  if (!mariadb()) GTEST_SKIP() << "system versioning is MariaDB's";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fs_dh; CREATE DATABASE fs_dh;"
      "CREATE TABLE fs_dh.t (id INT PRIMARY KEY, a INT) WITH SYSTEM VERSIONING;"
      "INSERT INTO fs_dh.t VALUES (1, 1); UPDATE fs_dh.t SET a = 2;"
      "DELETE HISTORY FROM fs_dh.t BEFORE SYSTEM_TIME NOW(6) + INTERVAL 1 SECOND");
  auto applier = make_applier(*passive_, serial_options("fs_dh", "fs_dh"));
  try {
    replay(*master_, from, *applier);
    FAIL() << "DELETE HISTORY was applied silently";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("DELETE HISTORY"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("`fs_dh`.`t`"), std::string::npos) << e.what();
  }
  // Nothing of the DELETE HISTORY transaction reached the passive.
  EXPECT_LE(std::stoi(passive_->query_value("SELECT COUNT(*) FROM fs_dh.t FOR SYSTEM_TIME ALL")), 2);
}

// A passive table that does not match without names: the error names the
// table, both column lists and what to do — nothing is written by position.
TEST_P(SchemaFidelityTest, MismatchNamesBothColumnListsAndWhatToDo) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec("DROP DATABASE IF EXISTS fs_mis; CREATE DATABASE fs_mis;");
  apply_serial(from, "fs_mis", "fs_mis");
  passive_->exec("CREATE TABLE fs_mis.t (id INT PRIMARY KEY, extra INT, a VARCHAR(10))");
  master_->exec("SET sql_log_bin = 0; CREATE TABLE fs_mis.t (id INT PRIMARY KEY, a VARCHAR(10)); SET sql_log_bin = 1");
  const binlog::BinlogPosition mid = master_position(*master_);
  run_with_metadata("MINIMAL", "INSERT INTO fs_mis.t VALUES (1, 'x')");
  auto applier = make_applier(*passive_, serial_options("fs_mis", "fs_mis"));
  try {
    replay(*master_, mid, *applier);
    FAIL() << "a row was written by position into a different layout";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported) << what;
    EXPECT_NE(what.find("`fs_mis`.`t`"), std::string::npos) << what;
    EXPECT_NE(what.find("`extra` int"), std::string::npos) << what;    // the target's list
    EXPECT_NE(what.find("LONG, VARCHAR"), std::string::npos) << what;  // the binlog's types
    EXPECT_NE(what.find("binlog_row_metadata=FULL"), std::string::npos) << what;
  }
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM fs_mis.t"), "0");
}

// binlog_row_image=MINIMAL: updates log the key in the before image and
// only changed columns after; versioned tables need their period columns.
TEST_P(SchemaFidelityTest, VersionedTableWithMinimalRowImages) {
  if (!mariadb()) GTEST_SKIP() << "system versioning is MariaDB's";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fs_vmin; CREATE DATABASE fs_vmin;"
      "CREATE TABLE fs_vmin.t (id INT PRIMARY KEY, a INT, b INT) WITH SYSTEM VERSIONING;"
      "CREATE TABLE fs_vmin.lu (id INT PRIMARY KEY, b BLOB, c INT, UNIQUE KEY (b));"
      "SET SESSION binlog_row_image = 'MINIMAL';"
      "INSERT INTO fs_vmin.t VALUES (1, 1, 1), (2, 2, 2); UPDATE fs_vmin.t SET a = 5 WHERE id = 1;"
      "DELETE FROM fs_vmin.t WHERE id = 2;"
      "INSERT INTO fs_vmin.lu VALUES (1, 'a', 1); UPDATE fs_vmin.lu SET b = 'b' WHERE id = 1;"
      "UPDATE fs_vmin.lu SET c = 2 WHERE id = 1;"
      "SET SESSION binlog_row_image = 'FULL'");
  apply_serial(from, "fs_vmin", "fs_vmin");
  EXPECT_EQ(compare_databases(*master_, "fs_vmin", *passive_, "fs_vmin"), "");
}

// The oracle must see what this file is about: INVISIBLE columns (SELECT *
// leaves them out) and, on MariaDB, history rows and period columns.
TEST_P(SchemaFidelityTest, CompareDatabasesSeesInvisibleColumnsAndHistoryRows) {
  const binlog::BinlogPosition from = master_position(*master_);
  std::string ddl =
      "DROP DATABASE IF EXISTS fs_cmp; CREATE DATABASE fs_cmp;"
      "CREATE TABLE fs_cmp.inv (id INT PRIMARY KEY, h INT INVISIBLE); INSERT INTO fs_cmp.inv (id, h) VALUES (1, 1);";
  if (mariadb()) {
    ddl +=
        "CREATE TABLE fs_cmp.ver (id INT PRIMARY KEY, a INT) WITH SYSTEM VERSIONING;"
        "INSERT INTO fs_cmp.ver VALUES (1, 1); UPDATE fs_cmp.ver SET a = 2;";
  }
  master_->exec(ddl);
  apply_serial(from, "fs_cmp", "fs_cmp");
  ASSERT_EQ(compare_databases(*master_, "fs_cmp", *passive_, "fs_cmp"), "");
  passive_->exec("UPDATE fs_cmp.inv SET h = 2");
  EXPECT_NE(compare_databases(*master_, "fs_cmp", *passive_, "fs_cmp").find("column `h`"), std::string::npos);
  passive_->exec("UPDATE fs_cmp.inv SET h = 1");
  if (mariadb()) {
    // An extra history row, then a current row with another start time.
    passive_->exec(
        "SET STATEMENT system_versioning_insert_history=1 FOR INSERT INTO fs_cmp.ver (id, a, row_start, row_end)"
        " VALUES (1, 0, '2001-01-01 00:00:00', '2001-01-02 00:00:00')");
    EXPECT_NE(compare_databases(*master_, "fs_cmp", *passive_, "fs_cmp").find("only in b"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, SchemaFidelityTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

// The upgrade path with versioned tables and long unique keys: a MariaDB
// 10.11 master (current rows end at 2038-01-19 03:14:07.999999) replicated
// to an 11.8 passive (2106-02-07 06:28:15.999999). History rows keep the
// master's times; current rows end at the passive's own MAX.
TEST(SchemaFidelityUpgrade, VersionedAndLongUniqueFrom1011To118) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB118);
  Server& master = shared_server(Flavor::kMariaDB1011, Role::kMaster);
  Server& passive = shared_server(Flavor::kMariaDB118, Role::kPassive);
  ensure_users(master, passive);
  const binlog::BinlogPosition from = master_position(master);
  master.exec(
      "DROP DATABASE IF EXISTS fs_up; CREATE DATABASE fs_up;"
      "CREATE TABLE fs_up.ver (id INT PRIMARY KEY, a INT, b BLOB, UNIQUE KEY (b)) WITH SYSTEM VERSIONING;"
      "CREATE TABLE fs_up.ex (id INT PRIMARY KEY, a INT, rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START,"
      " re TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME (rs, re)) WITH SYSTEM VERSIONING;"
      "INSERT INTO fs_up.ver VALUES (1, 1, 'x'), (2, 2, 'y'); UPDATE fs_up.ver SET a = a + 10, b = CONCAT(b, b);"
      "DELETE FROM fs_up.ver WHERE id = 2;"
      "INSERT INTO fs_up.ex (id, a) VALUES (1, 1), (2, 2); UPDATE fs_up.ex SET a = 3 WHERE id = 1;"
      "DELETE FROM fs_up.ex WHERE id = 2");
  sql::ApplierOptions o;
  o.stream = "fs_up";
  o.strict_row_counts = true;
  o.filter.include = {"fs_up"};
  o.source_version = master.version();
  auto applier = std::make_unique<sql::Applier>(target_connection(passive), o);
  replay(master, from, *applier);
  // Current rows' ends differ by version: compare them as "current".
  for (const auto& [table, start, end, cols] :
       {std::tuple<std::string, std::string, std::string, std::string>{"ver", "row_start", "row_end", "id, a, b"},
        {"ex", "rs", "re", "id, a"}}) {
    const std::string select = "SELECT " + cols + ", UNIX_TIMESTAMP(" + start + "), IF(UNIX_TIMESTAMP(" + end +
                               ") >= 2147483647, 'current', UNIX_TIMESTAMP(" + end + ")) FROM fs_up." + table +
                               " FOR SYSTEM_TIME ALL ORDER BY id, " + start;
    EXPECT_EQ(passive.query(select), master.query(select)) << table;
  }
  EXPECT_EQ(passive.query_value("SELECT COUNT(*) FROM fs_up.ver FOR SYSTEM_TIME ALL"), "4");
  EXPECT_EQ(passive.query_value("SELECT id FROM fs_up.ver WHERE b = 'xx'"), "1");
}

}  // namespace
}  // namespace galaxis::testing
