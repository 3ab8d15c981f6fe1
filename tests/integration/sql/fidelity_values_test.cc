// Value fidelity through the appliers (issue #14, values): every value form
// of the fidelity table (tests/integration/support/fidelity_values.h) —
// inserted, updated, partly deleted, in a keyed and a keyless table — ends
// byte-for-byte equal on the passive through the serial and the parallel
// applier, each with row compaction off and on. The oracle is the master's
// own rows (HEX of every column, named per differing value).
//
// Plus one regression test per case of the issue (each failed before the
// fix): MariaDB UUID/INET6/INET4 arriving as NULL, BINARY(n) before images
// without their pad bytes, DECIMAL scale above 30, COMPRESSED columns, and a
// keyless table's 'a' vs 'a ' rows.
#include <gtest/gtest.h>

#include "../support/fidelity_values.h"
#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

class FidelityValuesTest : public MasterPassiveTest {
 protected:
  sql::ApplierOptions options(const std::string& stream, bool compact) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    o.compact_rows = compact;
    return o;
  }
  std::unique_ptr<sql::ParallelApplier> make_parallel(const std::string& stream, bool compact) {
    sql::ParallelApplierOptions o;
    o.applier = options(stream, compact);
    o.workers = 4;
    o.epoch_mode = sql::ParallelApplierOptions::EpochMode::kParallel;  // many workers even for few transactions
    return std::make_unique<sql::ParallelApplier>([this] { return target_connection(*passive_); }, std::move(o));
  }
};

TEST_P(FidelityValuesTest, EveryValueFormArrivesExactlyThroughEachApplier) {
  const Flavor flavor = GetParam();
  std::cout << "[ fidelity ] " << flavor_name(flavor) << ": " << fidelity::columns(flavor).size()
            << " value columns; not on this flavour: " << fidelity::skipped(flavor) << "\n";
  const std::string db = "fid_values_apply";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(fidelity::setup_sql(flavor, db));
  master_->exec(fidelity::workload_sql(flavor, db));
  // The workload itself: every edge value is stored as written (a sanity
  // check on the oracle: the last row of k is the NULL row's update).
  ASSERT_EQ(master_->query_value("SELECT COUNT(*) FROM " + db + ".k"),
            master_->query_value("SELECT COUNT(*) FROM " + db + ".n"));

  struct Mode {
    const char* name;
    bool parallel;
    bool compact;
  };
  for (const Mode mode : {Mode{"serial", false, false}, Mode{"serial_compact", false, true},
                          Mode{"parallel", true, false}, Mode{"parallel_compact", true, true}}) {
    SCOPED_TRACE(mode.name);
    passive_->exec("DROP DATABASE IF EXISTS " + db);
    const std::string stream = std::string("fid_values_") + mode.name;
    if (mode.parallel) {
      auto applier = make_parallel(stream, mode.compact);
      ASSERT_NO_THROW(replay(*master_, from, *applier));
    } else {
      auto applier = make_applier(*passive_, options(stream, mode.compact));
      ASSERT_NO_THROW(replay(*master_, from, *applier));
    }
    EXPECT_EQ(fidelity::diff(*master_, *passive_, flavor, db), "");
    EXPECT_EQ(compare_databases(*master_, db, *passive_, db), "");
  }
}

// MariaDB UUID / INET6 / INET4: the binlog strips their trailing zero bytes
// like BINARY's padding; a short binary string is an invalid value and the
// passive stored NULL (all-zero values, and a UUID ending in zero bytes).
TEST_P(FidelityValuesTest, MariaDbUuidInet6Inet4ValuesArriveExactly) {
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "MariaDB only (UUID, INET6, INET4 types)";
  const bool inet4 = GetParam() != Flavor::kMariaDB1011;
  if (!inet4) std::cout << "[ fidelity ] INET4 skipped: MariaDB 10.11 has no INET4 (11.3+)\n";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(std::string("DROP DATABASE IF EXISTS fid_values_uuid; CREATE DATABASE fid_values_uuid;"
                            "CREATE TABLE fid_values_uuid.t (id INT PRIMARY KEY, u UUID, i6 INET6") +
                (inet4 ? ", i4 INET4" : "") +
                ");"
                "CREATE TABLE fid_values_uuid.pk (u UUID PRIMARY KEY, v INT);"
                "INSERT INTO fid_values_uuid.t (id, u, i6" +
                (inet4 ? ", i4" : "") + ") VALUES (1, '123e4567-e89b-12d3-a456-426655440000', '::'" +
                (inet4 ? ", '0.0.0.0'" : "") + "), (2, '00000000-0000-0000-0000-000000000000', '2001:db8::'" +
                (inet4 ? ", '10.0.0.0'" : "") + "), (3, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '::1'" +
                (inet4 ? ", '255.255.255.255'" : "") +
                ");"
                "INSERT INTO fid_values_uuid.pk VALUES ('123e4567-e89b-12d3-a456-426655440000', 1),"
                " ('00000000-0000-0000-0000-000000000000', 2), ('6ccd780c-baba-1026-9564-5b8c656024db', 3);"
                "UPDATE fid_values_uuid.pk SET v = v + 10;"
                "DELETE FROM fid_values_uuid.pk WHERE v = 12;"
                "UPDATE fid_values_uuid.t SET u = '00000000-0000-0000-0000-000000000001' WHERE id = 2");
  auto applier = make_applier(*passive_, options("fid_values_uuid", false));
  ASSERT_NO_THROW(replay(*master_, from, *applier));
  const std::string columns = std::string("id, HEX(CAST(u AS BINARY)), CAST(u AS CHAR), CAST(i6 AS CHAR)") +
                              (inet4 ? ", CAST(i4 AS CHAR)" : "");
  const std::string select = "SELECT " + columns + " FROM fid_values_uuid.t ORDER BY id";
  EXPECT_EQ(passive_->query(select), master_->query(select));
  EXPECT_EQ(passive_->query_value("SELECT CAST(u AS CHAR) FROM fid_values_uuid.t WHERE id = 1"),
            "123e4567-e89b-12d3-a456-426655440000");
  const std::string pk = "SELECT CAST(u AS CHAR), v FROM fid_values_uuid.pk ORDER BY u";
  EXPECT_EQ(passive_->query(pk), master_->query(pk));
  EXPECT_EQ(compare_databases(*master_, "fid_values_uuid", *passive_, "fid_values_uuid"), "");
}

// BINARY(n) values travel without their 0x00 pad bytes; a keyless table's
// before image must match the stored (padded) value. Stopped with "target
// has drifted: statement matched 0 rows".
TEST_P(FidelityValuesTest, BinaryPaddingInBeforeImages) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fid_values_binpad; CREATE DATABASE fid_values_binpad;"
      "CREATE TABLE fid_values_binpad.t1 (s1 BINARY(1), s2 BINARY(3));"
      "CREATE TABLE fid_values_binpad.pk (b BINARY(4) PRIMARY KEY, v INT);"
      "INSERT INTO fid_values_binpad.t1 VALUES ('A', 'A'), ('B', x'420000'), ('', '');"
      "INSERT INTO fid_values_binpad.pk VALUES ('A', 1), (x'00', 2), ('ABCD', 3);"
      "UPDATE fid_values_binpad.t1 SET s1 = 'C' WHERE s2 = x'420000';"
      "UPDATE fid_values_binpad.pk SET v = v + 1;"
      "DELETE FROM fid_values_binpad.t1 WHERE s1 = 'A';"
      "DELETE FROM fid_values_binpad.pk WHERE v = 3");
  auto applier = make_applier(*passive_, options("fid_values_binpad", false));
  ASSERT_NO_THROW(replay(*master_, from, *applier));
  EXPECT_EQ(compare_databases(*master_, "fid_values_binpad", *passive_, "fid_values_binpad"), "");
  const std::string select = "SELECT HEX(s1), HEX(s2) FROM fid_values_binpad.t1 ORDER BY 1, 2";
  EXPECT_EQ(passive_->query(select), master_->query(select));
}

// VARCHAR 'a' and 'a ' are two rows of a keyless table; a PAD SPACE
// comparison matched either, and deleting 'a ' removed 'a' on the passive.
TEST_P(FidelityValuesTest, KeylessRowsDifferingInTrailingSpaces) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fid_values_space; CREATE DATABASE fid_values_space;"
      "CREATE TABLE fid_values_space.t (v VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, n INT);"
      "INSERT INTO fid_values_space.t VALUES ('a', 1), ('a ', 1), ('a  ', 1);"
      "DELETE FROM fid_values_space.t WHERE v = BINARY 'a ';"
      "UPDATE fid_values_space.t SET n = 2 WHERE v = BINARY 'a  '");
  auto applier = make_applier(*passive_, options("fid_values_space", false));
  ASSERT_NO_THROW(replay(*master_, from, *applier));
  const std::string select = "SELECT HEX(v), n FROM fid_values_space.t ORDER BY 1";
  EXPECT_EQ(passive_->query(select), master_->query(select));
}

// MariaDB allows DECIMAL scale up to 38: "invalid DECIMAL(39,38) metadata".
TEST_P(FidelityValuesTest, MariaDbDecimalScaleUpTo38) {
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "MariaDB only (MySQL's DECIMAL scale ends at 30)";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fid_values_dec; CREATE DATABASE fid_values_dec;"
      "CREATE TABLE fid_values_dec.t (id INT PRIMARY KEY, a DECIMAL(39,38), b DECIMAL(65,38), c DECIMAL(38,38),"
      " d DECIMAL(65,31));"
      "INSERT INTO fid_values_dec.t VALUES (1, 9.99999999999999999999999999999999999999,"
      " 999999999999999999999999999.99999999999999999999999999999999999999,"
      " 0.99999999999999999999999999999999999999, -1234.5678901234567890123456789012345678901),"
      " (2, -0.00000000000000000000000000000000000001, -1, -0.00000000000000000000000000000000000001, 0);"
      "UPDATE fid_values_dec.t SET b = -b, a = -a WHERE id = 1;"
      "DELETE FROM fid_values_dec.t WHERE id = 2");
  auto applier = make_applier(*passive_, options("fid_values_dec", false));
  ASSERT_NO_THROW(replay(*master_, from, *applier));
  EXPECT_EQ(compare_databases(*master_, "fid_values_dec", *passive_, "fid_values_dec"), "");
  EXPECT_EQ(passive_->query_value("SELECT b FROM fid_values_dec.t WHERE id = 1"),
            "-999999999999999999999999999.99999999999999999999999999999999999999");
}

// MariaDB COMPRESSED columns: table map types 140/141 and compressed values.
// Stopped with "column metadata block … is 10 bytes, the column types use 4".
TEST_P(FidelityValuesTest, MariaDbCompressedColumns) {
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "MariaDB only (column compression)";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS fid_values_comp; CREATE DATABASE fid_values_comp;"
      "CREATE TABLE fid_values_comp.t1c (id INT PRIMARY KEY, v VARCHAR(100) COMPRESSED, b BLOB COMPRESSED,"
      " t TEXT COMPRESSED, w VARCHAR(1000) COMPRESSED CHARACTER SET latin1);"
      "CREATE TABLE fid_values_comp.nk (v VARCHAR(100) COMPRESSED, b BLOB COMPRESSED);"
      "INSERT INTO fid_values_comp.t1c VALUES (1, REPEAT('abc', 30), REPEAT(x'00ff', 500), REPEAT('hello ', 100),"
      " REPEAT('z', 1000)), (2, 'a', x'00', 't', 'w'), (3, '', '', '', ''), (4, NULL, NULL, NULL, NULL);"
      "INSERT INTO fid_values_comp.nk VALUES (REPEAT('abc', 30), REPEAT(x'01', 100)), ('x', 'y'), ('', '');"
      "SET SESSION column_compression_zlib_wrap = ON;"
      "INSERT INTO fid_values_comp.t1c VALUES (5, REPEAT('wrapped', 10), REPEAT('b', 300), REPEAT('t', 500), 'w');"
      "SET SESSION column_compression_zlib_wrap = OFF;"
      "UPDATE fid_values_comp.t1c SET v = REPEAT('xyz', 33), b = 'short' WHERE id IN (1, 2);"
      "UPDATE fid_values_comp.nk SET b = REPEAT('q', 200) WHERE v = 'x';"
      "DELETE FROM fid_values_comp.nk WHERE v = REPEAT('abc', 30);"
      "DELETE FROM fid_values_comp.t1c WHERE id = 3");
  auto applier = make_applier(*passive_, options("fid_values_comp", false));
  ASSERT_NO_THROW(replay(*master_, from, *applier));
  EXPECT_EQ(compare_databases(*master_, "fid_values_comp", *passive_, "fid_values_comp"), "");
  const std::string select = "SELECT id, HEX(v), HEX(b), HEX(t), HEX(w) FROM fid_values_comp.t1c ORDER BY id";
  EXPECT_EQ(passive_->query(select), master_->query(select));
}

INSTANTIATE_TEST_SUITE_P(Flavors, FidelityValuesTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
