// Bulk execution of folded rows (bulk_upsert.h, issue 15): on MariaDB the
// final rows of a folded group go to the target as one prepared INSERT …
// ON DUPLICATE KEY UPDATE (or plain INSERT) executed with arrays of
// parameters, for tables whose written columns are all bindable (integers,
// utf8mb4/utf8mb3 text, binary strings). Compared with the master's rows
// after the serial applier with bulk execution, the serial applier with
// text literals only (the row-by-row-equivalent shape it replaces) and 4
// parallel workers; MySQL has no bulk execution and must use none.
// The data is chosen so that a wrong shape shows: every column changes on
// existing keys (a missing SET column), NULL <-> value (indicators),
// unsigned maxima and negative minima (signedness), binary strings with
// embedded and trailing 0x00 (lengths), 4-byte UTF-8 and utf8mb3 text
// (conversion), keys that end gone or are new (DELETE vs upsert), small
// chunks (several executions per table), and a latin1 table that must stay
// on the text path (a utf8mb4 binding would convert its bytes).
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

class BulkUpsertTest : public MasterPassiveTest {
 protected:
  sql::ApplierOptions options(const std::string& stream, const std::string& db, const std::string& copy, bool bulk) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.compact_rows = true;
    o.bulk_execution = bulk;
    o.max_statement_bytes = 2048;  // several bulk executions per table and group
    o.filter.include = {db};
    o.filter.rename_db = {{db, copy}};
    return o;
  }
  void drop_copies(const std::string& db) {
    passive_->exec(
        fmt::format("DROP DATABASE IF EXISTS {0}_b; DROP DATABASE IF EXISTS {0}_t; DROP DATABASE IF EXISTS {0}_p", db));
  }
};

TEST_P(BulkUpsertTest, BulkRowsEqualTheMasterAndTheTextShape) {
  const std::string db = "bulk_up";
  drop_copies(db);
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS bulk_up; CREATE DATABASE bulk_up;"
      // every bindable kind; a stored generated column (not written)
      "CREATE TABLE bulk_up.t (id BIGINT UNSIGNED PRIMARY KEY, i TINYINT, u INT UNSIGNED, b BIGINT,"
      " s VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, s3 VARCHAR(40) CHARACTER SET utf8mb3,"
      " c CHAR(10) CHARACTER SET utf8mb4, tx TEXT CHARACTER SET utf8mb4, vb VARBINARY(20), bl BLOB,"
      " g INT AS (i + 1) STORED, KEY (i));"
      // a second UNIQUE key: DELETE of every touched key + a bulk plain INSERT
      "CREATE TABLE bulk_up.uk (id INT PRIMARY KEY, u INT NOT NULL, v VARCHAR(10), UNIQUE KEY (u));"
      // latin1 text: never bound (would be converted from utf8mb4)
      "CREATE TABLE bulk_up.l1 (id INT PRIMARY KEY, v VARCHAR(200) CHARACTER SET latin1);"
      // a DECIMAL column: text literals
      "CREATE TABLE bulk_up.dec (id INT PRIMARY KEY, d DECIMAL(10,2))");
  std::string load = "INSERT INTO bulk_up.t (id, i, u, b, s, s3, c, tx, vb, bl) VALUES ";
  for (int n = 1; n <= 120; ++n) {
    load += fmt::format("{}({}, {}, {}, {}, 'a{}', 'é{}', 'c{}', REPEAT('t', {}), X'00{:02x}00', NULL)",
                        n > 1 ? "," : "", n, n % 100, n * 1000, -n, n, n, n, n, n);
  }
  load +=
      "; INSERT INTO bulk_up.uk VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c');"
      "INSERT INTO bulk_up.l1 VALUES (1, _latin1 X'E9'), (2, 'x');"
      "INSERT INTO bulk_up.dec VALUES (1, 1.50), (2, -2.25);";
  for (int n = 0; n < 200; ++n) {
    const int id = n % 120 + 1;
    load += fmt::format(
        "BEGIN; UPDATE bulk_up.t SET i = {1}, u = {2}, b = {3}, s = {4}, s3 = 'ü{0}', c = '', tx = {5},"
        " vb = {6}, bl = {7} WHERE id = {0};"
        " UPDATE bulk_up.l1 SET v = CONCAT(v, _latin1 X'E9') WHERE id = {8};"
        " UPDATE bulk_up.dec SET d = d + 0.01 WHERE id = {8}; COMMIT;",
        id, n % 2 ? "NULL" : (n % 3 ? "-128" : "127"), n % 2 ? "4294967295" : "0",
        n % 2 ? "-9223372036854775807 - 1" : "9223372036854775807", n % 2 ? "NULL" : "'😀x\\'\\\\'",
        n % 2 ? "''" : "NULL", n % 2 ? "X'0000'" : "X'61000062'", n % 2 ? "X'FF00'" : "''", n % 2 + 1);
    if (n % 9 == 0) load += fmt::format("DELETE FROM bulk_up.t WHERE id = {};", (id + 60) % 120 + 1);  // ends gone
    if (n % 11 == 0) {
      load += fmt::format("INSERT INTO bulk_up.t (id, s) VALUES ({}, 'new');", 18446744073709551615ull - n);  // new
    }
    if (n % 13 == 0) {  // delete and re-insert in one transaction; a unique-value swap in `uk`
      load += fmt::format(
          "BEGIN; DELETE FROM bulk_up.t WHERE id = {0}; INSERT INTO bulk_up.t (id, i, tx) VALUES ({0}, 1, 'again');"
          " UPDATE bulk_up.uk SET u = -1 WHERE id = 1; UPDATE bulk_up.uk SET u = {1}, v = 'x{2}' WHERE id = 2;"
          " UPDATE bulk_up.uk SET u = {3} WHERE id = 1; COMMIT;",
          id, n % 2 ? 10 : 20, n, n % 2 ? 20 : 10);
    }
  }
  master_->exec(load);

  auto bulk = make_applier(*passive_, options(db + "_b", db, db + "_b", true));
  replay(*master_, from, *bulk);
  EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_b"), "") << "bulk";
  auto text = make_applier(*passive_, options(db + "_t", db, db + "_t", false));
  replay(*master_, from, *text);
  EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_t"), "") << "text";
  sql::ParallelApplierOptions p;
  p.applier = options(db + "_p", db, db + "_p", true);
  p.workers = 4;
  auto parallel = std::make_unique<sql::ParallelApplier>([this] { return target_connection(*passive_); }, std::move(p));
  replay(*master_, from, *parallel);
  EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_p"), "") << "parallel";

  EXPECT_EQ(text->stats().bulk_rows, 0u);
  EXPECT_GT(text->stats().upserted_rows, 0u);
  if (is_mariadb(GetParam())) {
    EXPECT_GT(bulk->stats().bulk_rows, 0u);  // the bulk shape was used
    EXPECT_GT(parallel->total_stats().bulk_rows, 0u);
  } else {
    EXPECT_EQ(bulk->stats().bulk_rows, 0u);  // MySQL: no bulk execution
    EXPECT_EQ(parallel->total_stats().bulk_rows, 0u);
  }
  // The oracle sees a one-byte difference in a bulk-written column.
  passive_->exec("UPDATE bulk_up_b.t SET vb = CONCAT(IFNULL(vb, ''), X'00') ORDER BY id LIMIT 1");
  EXPECT_NE(compare_databases(*master_, db, *passive_, db + "_b"), "");
}

INSTANTIATE_TEST_SUITE_P(Flavors, BulkUpsertTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
