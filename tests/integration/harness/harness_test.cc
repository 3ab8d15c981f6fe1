// The harness against real servers of every flavour: a master writes and its
// binlog position, GTID set, files and the flavour's own binlog tool agree;
// passives have no binlog; compare_databases sees equality and differences;
// kill -9 / restart keep data and port; start failures explain themselves.
#include <gtest/gtest.h>

#include <filesystem>

#include "galaxis/common/error.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {
namespace {

namespace fs = std::filesystem;

class HarnessTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override { GALAXIS_REQUIRE_FLAVOR(GetParam()); }
};

TEST_P(HarnessTest, MasterWriteAdvancesBinlogAndTheFlavoursToolShowsIt) {
  Server& master = shared_server(GetParam(), Role::kMaster);
  master.exec(
      "DROP DATABASE IF EXISTS h_binlog; CREATE DATABASE h_binlog;"
      "CREATE TABLE h_binlog.t (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(10,2)) CHARSET utf8mb4");
  const BinlogStatus before = master.binlog_status();
  master.exec("INSERT INTO h_binlog.t VALUES (1, 'apple', 1.25), (2, 'pear', NULL)");
  const BinlogStatus after = master.binlog_status();

  EXPECT_EQ(after.file, before.file);
  EXPECT_GT(after.position, before.position);
  EXPECT_NE(after.gtid_set, before.gtid_set);
  EXPECT_FALSE(after.gtid_set.empty());

  const std::vector<std::string> files = master.binlog_files();
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(fs::path(files.back()).filename().string(), after.file);
  ASSERT_TRUE(fs::exists(files.back())) << files.back();
  EXPECT_GE(fs::file_size(files.back()), after.position);

  const std::string decoded = master.run_binlog_tool({"--verbose", "--base64-output=DECODE-ROWS", files.back()});
  EXPECT_NE(decoded.find("### INSERT INTO `h_binlog`.`t`"), std::string::npos) << decoded.substr(0, 3000);
  EXPECT_NE(decoded.find("@2='apple'"), std::string::npos) << decoded.substr(0, 3000);
  EXPECT_NE(decoded.find("end_log_pos " + std::to_string(after.position)), std::string::npos);
}

TEST_P(HarnessTest, MasterProfileIsWhatTheDesignPromises) {
  Server& master = shared_server(GetParam(), Role::kMaster);
  EXPECT_EQ(master.query_value("SELECT @@log_bin"), "1");
  EXPECT_EQ(master.query_value("SELECT @@binlog_format"), "ROW");
  EXPECT_EQ(master.query_value("SELECT @@binlog_row_image"), "FULL");
  EXPECT_EQ(master.query_value("SELECT @@binlog_checksum"), "CRC32");
  EXPECT_EQ(master.query_value("SELECT @@server_id"), "1");
  if (is_mysql(GetParam())) {
    EXPECT_EQ(master.query_value("SELECT @@gtid_mode"), "ON");
  }
  EXPECT_EQ(master.url(), "mysql://root@127.0.0.1:" + std::to_string(master.port()));
  EXPECT_EQ(master.flavor(), GetParam());
  const std::string expected_version = is_mysql(GetParam())                ? "9.7."
                                       : GetParam() == Flavor::kMariaDB118 ? "11.8."
                                                                           : "10.11.";
  EXPECT_EQ(master.version().rfind(expected_version, 0), 0u) << master.version();
}

TEST_P(HarnessTest, PassiveHasNoBinlog) {
  Server& passive = shared_server(GetParam(), Role::kPassive);
  EXPECT_EQ(passive.query_value("SELECT @@log_bin"), "0");
  EXPECT_EQ(passive.query_value("SELECT @@server_id"), "2");
  EXPECT_THROW(passive.binlog_status(), Error);
}

TEST_P(HarnessTest, CompareDatabasesFindsEqualityAndEachKindOfDifference) {
  Server& master = shared_server(GetParam(), Role::kMaster);
  Server& passive = shared_server(GetParam(), Role::kPassive);
  const std::string setup =
      "DROP DATABASE IF EXISTS h_cmp; CREATE DATABASE h_cmp;"
      "CREATE TABLE h_cmp.items (id INT PRIMARY KEY, name VARCHAR(32), qty INT NOT NULL DEFAULT 0) CHARSET utf8mb4;"
      "CREATE TABLE h_cmp.nokey (a INT, b VARBINARY(8));"
      "INSERT INTO h_cmp.items VALUES (1, 'apple', 3), (2, NULL, 0), (3, 'plum', 7);"
      "INSERT INTO h_cmp.nokey VALUES (1, 0x00ff), (1, 0x00ff), (2, NULL);";
  master.exec(setup);
  passive.exec(setup);
  EXPECT_EQ(compare_databases(master, "h_cmp", passive, "h_cmp"), "");

  passive.exec("UPDATE h_cmp.items SET qty = 8 WHERE id = 3; DELETE FROM h_cmp.items WHERE id = 1");
  std::string diff = compare_databases(master, "h_cmp", passive, "h_cmp");
  EXPECT_NE(diff.find("table `items`: row (id=\"1\") only in a"), std::string::npos) << diff;
  EXPECT_NE(diff.find("table `items`: row (id=\"3\") column `qty`: \"7\" vs \"8\""), std::string::npos) << diff;

  passive.exec("DELETE FROM h_cmp.nokey WHERE a = 1 LIMIT 1; ALTER TABLE h_cmp.items MODIFY qty BIGINT NOT NULL");
  diff = compare_databases(master, "h_cmp", passive, "h_cmp");
  EXPECT_NE(diff.find("table `nokey`: row (a=\"1\", b=\"\\x00\xff\") only in a"), std::string::npos) << diff;
  EXPECT_NE(diff.find("column 3: `qty` int"), std::string::npos) << diff;
  EXPECT_NE(diff.find("vs `qty` bigint"), std::string::npos) << diff;

  passive.exec("CREATE TABLE h_cmp.extra (id INT PRIMARY KEY)");
  diff = compare_databases(master, "h_cmp", passive, "h_cmp");
  EXPECT_NE(diff.find("table `extra`: only in b"), std::string::npos) << diff;
  EXPECT_THROW(compare_databases(master, "h_cmp", passive, "h_no_such_db"), Error);
}

TEST_P(HarnessTest, ReplicationUserWithPasswordCanConnect) {
  Server& master = shared_server(GetParam(), Role::kMaster);
  master.create_user("h_repl", "s3cret pass'word", "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  SqlConnection conn = master.connect("h_repl", "s3cret pass'word");
  EXPECT_EQ(conn.query_value("SELECT CURRENT_USER()"), "h_repl@%");
  try {
    master.connect("h_repl", "wrong");
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kAuth) << e.what();
  }
}

TEST_P(HarnessTest, Kill9AndRestartKeepCommittedRowsAndThePort) {
  ServerOptions options;
  options.flavor = GetParam();
  Server server(options);
  server.start();
  const uint16_t port = server.port();
  const pid_t first_pid = server.pid();
  server.exec(
      "CREATE DATABASE h_crash; CREATE TABLE h_crash.t (id INT PRIMARY KEY); INSERT INTO h_crash.t VALUES (1), (2)");
  server.kill9();
  EXPECT_FALSE(server.running());
  server.start();
  EXPECT_NE(server.pid(), first_pid);
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(server.query_value("SELECT COUNT(*) FROM h_crash.t"), "2");
  server.restart();
  EXPECT_EQ(server.query_value("SELECT COUNT(*) FROM h_crash.t"), "2");
  const std::string base = fs::path(server.datadir_host_path()).parent_path().string();
  EXPECT_TRUE(fs::exists(base));
}

TEST_P(HarnessTest, AServerThatCannotStartExplainsWhy) {
  ServerOptions options;
  options.flavor = GetParam();
  options.extra_args = {"--no-such-option-for-galaxis"};
  Server server(options);
  try {
    server.start();
    ADD_FAILURE() << "server started with an unknown option";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exited during start"), std::string::npos) << what;
    EXPECT_NE(what.find("no-such-option-for-galaxis"), std::string::npos) << what;  // from the error log
  }
  server.discard_datadir();  // kept for diagnosis otherwise
}

INSTANTIATE_TEST_SUITE_P(AllFlavors, HarnessTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

TEST(HarnessPorts, ATakenPortIsReportedNotHung) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  Server& holder = shared_server(Flavor::kMariaDB1011, Role::kPassive);
  ServerOptions options;
  options.role = Role::kPassive;
  options.extra_args = {"--port=" + std::to_string(holder.port())};  // overrides the harness's free port
  Server server(options);
  try {
    server.start();
    ADD_FAILURE() << "two servers on one port";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is taken by another process"), std::string::npos) << e.what();
  }
  server.discard_datadir();
}

TEST(HarnessShared, ADeadSharedServerIsStartedAgainWithItsData) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  Server& passive = shared_server(Flavor::kMariaDB1011, Role::kPassive);
  passive.exec(
      "DROP DATABASE IF EXISTS h_shared; CREATE DATABASE h_shared; CREATE TABLE h_shared.t (id INT PRIMARY KEY);"
      "INSERT INTO h_shared.t VALUES (7)");
  const uint16_t port = passive.port();
  passive.kill9();
  Server& again = shared_server(Flavor::kMariaDB1011, Role::kPassive);
  EXPECT_EQ(&again, &passive);
  EXPECT_TRUE(again.running());
  EXPECT_EQ(again.port(), port);
  EXPECT_EQ(again.query_value("SELECT id FROM h_shared.t"), "7");
}

TEST(HarnessCrossFlavor, SameSchemaOnMariaDBAndMySQLComparesEqual) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMariaDB1011);
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMySQL97);
  Server& a = shared_server(Flavor::kMariaDB1011, Role::kMaster);
  Server& b = shared_server(Flavor::kMySQL97, Role::kPassive);
  const std::string setup =
      "DROP DATABASE IF EXISTS h_cross; CREATE DATABASE h_cross;"
      "CREATE TABLE h_cross.t (id INT PRIMARY KEY, n SMALLINT, s VARCHAR(10) CHARSET utf8mb4 DEFAULT 'x', "
      "d DATETIME(3) NULL, ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
      "INSERT INTO h_cross.t VALUES (1, -5, 'ä', '2024-02-29 12:00:00.125', '2024-01-01 00:00:00')";
  a.exec(setup);
  b.exec(setup);
  EXPECT_EQ(compare_databases(a, "h_cross", b, "h_cross"), "");
}

}  // namespace
}  // namespace galaxis::testing
