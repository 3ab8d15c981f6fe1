// Flavour-specific scenarios: MySQL partial JSON updates and compressed
// transaction payloads, MariaDB sequences, partitioned tables, a value over
// 16 MiB, and the upgrade path MariaDB 10.11 master -> 11.8 passive.
#include <gtest/gtest.h>

#include "apply_support.h"

namespace galaxis::testing {
namespace {

class ScenarioTest : public MasterPassiveTest {
 protected:
  sql::ApplierOptions options(const std::string& stream) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    return o;
  }
};

TEST_P(ScenarioTest, PartitionedTables) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS sc_part; CREATE DATABASE sc_part;"
      "CREATE TABLE sc_part.t (id INT, created DATE, v INT, PRIMARY KEY (id, created))"
      " PARTITION BY RANGE (YEAR(created)) (PARTITION p2023 VALUES LESS THAN (2024),"
      " PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);"
      "INSERT INTO sc_part.t VALUES (1, '2023-05-01', 1), (2, '2024-05-01', 2), (3, '2030-01-01', 3);"
      "UPDATE sc_part.t SET created = '2024-01-01' WHERE id = 1;"
      "ALTER TABLE sc_part.t TRUNCATE PARTITION pmax;"
      "DELETE FROM sc_part.t WHERE id = 2");
  auto applier = make_applier(*passive_, options("partitions"));
  replay(*master_, from, *applier);
  EXPECT_EQ(compare_databases(*master_, "sc_part", *passive_, "sc_part"), "");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'sc_part'"),
            "3");
}

TEST_P(ScenarioTest, ValueOver16MiB) {
  // The master accepted it, so the passive is configured alike (by its admin, not the relay).
  master_->exec("SET GLOBAL max_allowed_packet = 64 * 1024 * 1024");
  passive_->exec("SET GLOBAL max_allowed_packet = 64 * 1024 * 1024");
  const binlog::BinlogPosition from = master_position(*master_);
  {
    SqlConnectOptions o = master_->connect_options();
    SqlConnection big(o);  // a new session sees the new max_allowed_packet
    big.exec(
        "DROP DATABASE IF EXISTS sc_big; CREATE DATABASE sc_big;"
        "CREATE TABLE sc_big.t (id INT PRIMARY KEY, b LONGBLOB);"
        "INSERT INTO sc_big.t VALUES (1, REPEAT(0x00FF27, 6 * 1024 * 1024)), (2, 'small');"
        "UPDATE sc_big.t SET b = CONCAT(b, 'tail') WHERE id = 1");
  }
  auto applier = make_applier(*passive_, options("big_value"));
  replay(*master_, from, *applier);
  EXPECT_EQ(passive_->query_value("SELECT LENGTH(b) FROM sc_big.t WHERE id = 1"), std::to_string(18 * 1024 * 1024 + 4));
  EXPECT_EQ(compare_databases(*master_, "sc_big", *passive_, "sc_big"), "");
}

TEST_P(ScenarioTest, MySqlPartialJsonUpdatesAndCompressedTransactions) {
  if (!is_mysql(GetParam())) GTEST_SKIP() << "MySQL only (PARTIAL_UPDATE_ROWS, TRANSACTION_PAYLOAD)";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS sc_json; CREATE DATABASE sc_json;"
      "CREATE TABLE sc_json.t (id INT PRIMARY KEY, j JSON, other INT);"
      "INSERT INTO sc_json.t VALUES (1, '{\"a\": 1, \"b\": [1, 2, 3], \"c\": \"text\", \"d\": {\"e\": null}}', 0),"
      " (2, '[1, 2, 3]', 0);"
      "SET SESSION binlog_row_value_options = 'PARTIAL_JSON', binlog_row_image = 'MINIMAL';"
      "UPDATE sc_json.t SET j = JSON_SET(j, '$.a', 2, '$.new', 'x') WHERE id = 1;"
      "UPDATE sc_json.t SET j = JSON_REPLACE(j, '$.c', 'longer text here') WHERE id = 1;"
      "UPDATE sc_json.t SET j = JSON_REMOVE(j, '$.b[1]'), other = 5 WHERE id = 1;"
      "UPDATE sc_json.t SET j = JSON_ARRAY_INSERT(j, '$[1]', 9) WHERE id = 2;"
      "UPDATE sc_json.t SET j = JSON_SET(j, '$.d.e', JSON_OBJECT('k', 1.5)) WHERE id = 1;"
      "SET SESSION binlog_row_value_options = '', binlog_row_image = 'FULL';"
      "SET SESSION binlog_transaction_compression = ON;"
      "INSERT INTO sc_json.t VALUES (3, '{}', 3), (4, NULL, 4);"
      "START TRANSACTION; UPDATE sc_json.t SET other = other + 1; DELETE FROM sc_json.t WHERE id = 4; COMMIT;"
      "SET SESSION binlog_transaction_compression = OFF");
  auto applier = make_applier(*passive_, options("json"));
  replay(*master_, from, *applier);
  EXPECT_EQ(compare_databases(*master_, "sc_json", *passive_, "sc_json"), "");
  EXPECT_EQ(passive_->query_value("SELECT CAST(j AS CHAR) FROM sc_json.t WHERE id = 1"),
            master_->query_value("SELECT CAST(j AS CHAR) FROM sc_json.t WHERE id = 1"));
}

TEST_P(ScenarioTest, MariaDbSequences) {
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "MariaDB only (CREATE SEQUENCE)";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS sc_seq; CREATE DATABASE sc_seq;"
      "CREATE SEQUENCE sc_seq.s START WITH 100 INCREMENT BY 5 CACHE 0;"
      "CREATE TABLE sc_seq.t (id INT PRIMARY KEY, v INT);"
      "INSERT INTO sc_seq.t VALUES (NEXTVAL(sc_seq.s), 1), (NEXTVAL(sc_seq.s), 2);"
      "SELECT SETVAL(sc_seq.s, 500)");
  auto applier = make_applier(*passive_, options("sequences"));
  replay(*master_, from, *applier);
  EXPECT_EQ(compare_databases(*master_, "sc_seq", *passive_, "sc_seq"), "");
  EXPECT_EQ(passive_->query_value("SELECT next_not_cached_value FROM sc_seq.s"),
            master_->query_value("SELECT next_not_cached_value FROM sc_seq.s"));
}

TEST_P(ScenarioTest, VectorColumns) {
  if (GetParam() == Flavor::kMariaDB1011) GTEST_SKIP() << "no VECTOR type before MariaDB 11.7";
  const bool mysql = is_mysql(GetParam());
  const std::string from_text = mysql ? "STRING_TO_VECTOR" : "VEC_FromText";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS sc_vec; CREATE DATABASE sc_vec;"
      "CREATE TABLE sc_vec.t (id INT PRIMARY KEY, v VECTOR(3)" +
      std::string(mysql ? "" : " NOT NULL") +
      ");"
      "INSERT INTO sc_vec.t VALUES (1, " +
      from_text + "('[1.5, -2, 3.25]')), (2, " + from_text +
      "('[0, 0, 1e-7]'));"
      "UPDATE sc_vec.t SET v = " +
      from_text +
      "('[9, 8, 7]') WHERE id = 2;"
      "DELETE FROM sc_vec.t WHERE id = 1");
  auto applier = make_applier(*passive_, options("vector"));
  replay(*master_, from, *applier);
  EXPECT_EQ(compare_databases(*master_, "sc_vec", *passive_, "sc_vec"), "");
  const std::string to_text = mysql ? "VECTOR_TO_STRING(v)" : "VEC_ToText(v)";
  EXPECT_EQ(passive_->query_value("SELECT " + to_text + " FROM sc_vec.t WHERE id = 2"),
            master_->query_value("SELECT " + to_text + " FROM sc_vec.t WHERE id = 2"));
}

TEST_P(ScenarioTest, FullRowMetadataMapsColumnsByNameOntoAWiderTarget) {
  const std::string original = master_->query_value("SELECT @@GLOBAL.binlog_row_metadata");
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS sc_meta; CREATE DATABASE sc_meta;"
      "CREATE TABLE sc_meta.t (id INT PRIMARY KEY, a INT UNSIGNED, b VARCHAR(10))");
  auto applier = make_applier(*passive_, options("metadata"));
  replay(*master_, from, *applier);
  // The passive's admin added a column of their own in front.
  passive_->exec("ALTER TABLE sc_meta.t ADD COLUMN local_note VARCHAR(10) DEFAULT 'mine' FIRST");
  const binlog::BinlogPosition mid = master_position(*master_);
  master_->exec("SET GLOBAL binlog_row_metadata = FULL");
  {
    SqlConnection session(master_->connect_options());
    session.exec(
        "INSERT INTO sc_meta.t VALUES (1, 4294967295, 'x'), (2, 0, NULL);"
        "UPDATE sc_meta.t SET b = 'y' WHERE id = 1; DELETE FROM sc_meta.t WHERE id = 2");
  }
  master_->exec("SET GLOBAL binlog_row_metadata = " + original);
  replay(*master_, mid, *applier);
  EXPECT_EQ(passive_->query("SELECT id, a, b, local_note FROM sc_meta.t ORDER BY id"),
            (SqlRows{{"1", "4294967295", "y", "mine"}}));
}

INSTANTIATE_TEST_SUITE_P(Flavors, ScenarioTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

// The upgrade path: a MariaDB 10.11 master replicated to a MariaDB 11.8 passive.
TEST(UpgradePath, MariaDb1011MasterTo118Passive) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB118);
  Server& master = shared_server(Flavor::kMariaDB1011, Role::kMaster);
  Server& passive = shared_server(Flavor::kMariaDB118, Role::kPassive);
  ensure_users(master, passive);
  const binlog::BinlogPosition from = master_position(master);
  master.exec(
      "DROP DATABASE IF EXISTS up_shop; CREATE DATABASE up_shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
      "CREATE TABLE up_shop.t (id INT PRIMARY KEY, name VARCHAR(30), price DECIMAL(8,2), at DATETIME(3),"
      " flags SET('a','b'), kind ENUM('x','y'), u BIGINT UNSIGNED, doc JSON) DEFAULT CHARSET=utf8mb4;"
      "INSERT INTO up_shop.t VALUES (1, 'caf\\xC3\\xA9', 9.99, '2024-01-02 03:04:05.678', 'a,b', 'y',"
      " 18446744073709551615, '{\"k\": [1, 2]}'), (2, NULL, NULL, NULL, '', 'x', 0, NULL);"
      "UPDATE up_shop.t SET price = price * 2 WHERE id = 1; DELETE FROM up_shop.t WHERE id = 2;"
      "ALTER TABLE up_shop.t ADD COLUMN extra INT DEFAULT 3");
  sql::ApplierOptions o;
  o.stream = "upgrade";  // the source version comes from the stream's FORMAT_DESCRIPTION event
  o.strict_row_counts = true;
  auto applier = make_applier(passive, o);
  replay(master, from, *applier);
  EXPECT_EQ(compare_databases(master, "up_shop", passive, "up_shop"), "");
}

}  // namespace
}  // namespace galaxis::testing
