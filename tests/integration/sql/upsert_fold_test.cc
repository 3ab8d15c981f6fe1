// Net-effect compaction's statement shapes (net_changes.h, issue 15): a
// table whose only unique key is the PRIMARY KEY gets DELETE of the keys
// that end gone + INSERT … ON DUPLICATE KEY UPDATE of the rest (MariaDB
// VALUES(), MySQL a row alias); a table with another UNIQUE key keeps
// DELETE of every touched key + INSERT, because an upsert could hit the
// other key (a swap of unique values). Both compared with the master after
// the serial applier and the parallel one (4 workers) applied a backlog of
// small transactions with key-changing updates, deletes and re-inserts.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

class UpsertFoldTest : public MasterPassiveTest {
 protected:
  sql::ApplierOptions options(const std::string& stream, const std::string& db, const std::string& copy) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.compact_rows = true;
    o.filter.include = {db};
    o.filter.rename_db = {{db, copy}};
    return o;
  }
  // Applies the master's binlog from `from` into `copy` serially and into
  // `copy`_p with 4 workers; both must equal the master. Returns the rows
  // upserted (serial, parallel).
  std::pair<uint64_t, uint64_t> apply_both(const binlog::BinlogPosition& from, const std::string& db) {
    auto serial = make_applier(*passive_, options(db + "_s", db, db + "_s"));
    replay(*master_, from, *serial);
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_s"), "") << "serial";
    sql::ParallelApplierOptions p;
    p.applier = options(db + "_p", db, db + "_p");
    p.workers = 4;
    auto parallel =
        std::make_unique<sql::ParallelApplier>([this] { return target_connection(*passive_); }, std::move(p));
    replay(*master_, from, *parallel);
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db + "_p"), "") << "parallel";
    return {serial->total_stats().upserted_rows, parallel->total_stats().upserted_rows};
  }
  void drop_copies(const std::string& db) {
    passive_->exec(fmt::format("DROP DATABASE IF EXISTS {0}_s; DROP DATABASE IF EXISTS {0}_p", db));
  }
};

TEST_P(UpsertFoldTest, PrimaryKeyOnlyTablesAreUpsertedAndEndEqual) {
  drop_copies("uf_pk");
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS uf_pk; CREATE DATABASE uf_pk;"
      // sysbench's shape plus a stored generated column and an ON UPDATE
      // timestamp (assigned explicitly by the upsert: the master's value)
      "CREATE TABLE uf_pk.t (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(20), g INT AS (k * 2) STORED,"
      " ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (k));"
      "CREATE TABLE uf_pk.comp (a INT, b INT, v INT, PRIMARY KEY (a, b));"
      "CREATE TABLE uf_pk.keyonly (a INT, b BIGINT, PRIMARY KEY (a, b))");
  std::string load = "INSERT INTO uf_pk.t (id, k, c) VALUES ";
  for (int i = 1; i <= 200; ++i) load += fmt::format("{}({}, {}, 'c{}')", i > 1 ? "," : "", i, i, i);
  load += "; INSERT INTO uf_pk.comp VALUES ";
  for (int i = 1; i <= 100; ++i) load += fmt::format("{}({}, {}, {})", i > 1 ? "," : "", i % 10, i, i);
  load += "; INSERT INTO uf_pk.keyonly VALUES (1, 1), (1, 2), (2, 1);";
  for (int n = 0; n < 300; ++n) {
    const int id = (n * 37) % 200 + 1;
    load += fmt::format(
        "BEGIN; UPDATE uf_pk.t SET k = k + 1 WHERE id = {0}; UPDATE uf_pk.t SET c = 'u{1}' WHERE id = {0};"
        "DELETE FROM uf_pk.t WHERE id = {0}; INSERT INTO uf_pk.t (id, k, c) VALUES ({0}, {1}, 'i{1}'); COMMIT;",
        id, n);
    if (n % 10 == 0) load += fmt::format("UPDATE uf_pk.t SET c = c WHERE id = {};", id);               // no change
    if (n % 15 == 0) load += fmt::format("DELETE FROM uf_pk.t WHERE id = {};", (id + 100) % 200 + 1);  // ends gone
    if (n % 20 == 0) {
      // key-changing updates: a row moves to a new key, another one into the freed key
      load += fmt::format(
          "BEGIN; UPDATE uf_pk.comp SET b = b + 1000 WHERE a = {0} ORDER BY b DESC;"
          " UPDATE uf_pk.comp SET b = b - 1000, v = v + 1 WHERE a = {0} AND b > 1000 ORDER BY b LIMIT 2; COMMIT;"
          "UPDATE uf_pk.t SET id = id + 1000 * {3} WHERE id = {1};"
          "INSERT INTO uf_pk.keyonly VALUES ({2}, {2}) ON DUPLICATE KEY UPDATE b = b + 10;",
          n % 10, (id + 50) % 200 + 1, n, n / 20 + 1);
    }
  }
  load += "DELETE FROM uf_pk.keyonly WHERE a = 2; UPDATE uf_pk.keyonly SET a = 7 WHERE a = 1 AND b = 2";
  master_->exec(load);
  const auto [serial, parallel] = apply_both(from, "uf_pk");
  EXPECT_GT(serial, 0u);  // the upsert shape was used
  EXPECT_GT(parallel, 0u);
}

TEST_P(UpsertFoldTest, ASecondUniqueKeyFallsBackToDeleteAndInsert) {
  drop_copies("uf_uk");
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS uf_uk; CREATE DATABASE uf_uk;"
      "CREATE TABLE uf_uk.t (id INT PRIMARY KEY, u INT NOT NULL, v INT, UNIQUE KEY (u));"
      "INSERT INTO uf_uk.t VALUES (1, 10, 0), (2, 20, 0), (3, 30, 0), (4, 40, 0)");
  std::string load;
  for (int n = 0; n < 60; ++n) {
    // a swap of unique values between two rows of one group: an upsert of
    // row a's final image would collide with row b on `u`
    const int a = 1 + n % 3, b = 2 + n % 3;
    load += fmt::format(
        "BEGIN; SELECT u INTO @ua FROM uf_uk.t WHERE id = {0}; SELECT u INTO @ub FROM uf_uk.t WHERE id = {1};"
        " UPDATE uf_uk.t SET u = -1 WHERE id = {0}; UPDATE uf_uk.t SET u = @ua, v = v + 1 WHERE id = {1};"
        " UPDATE uf_uk.t SET u = @ub WHERE id = {0}; COMMIT;",
        a, b);
    if (n % 7 == 0) load += fmt::format("UPDATE uf_uk.t SET u = u + 100 WHERE id = {};", 4 - n % 2);
  }
  master_->exec(load);
  const auto [serial, parallel] = apply_both(from, "uf_uk");
  EXPECT_EQ(serial, 0u);  // DELETE + INSERT, never an upsert
  EXPECT_EQ(parallel, 0u);
}

INSTANTIATE_TEST_SUITE_P(Flavors, UpsertFoldTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
