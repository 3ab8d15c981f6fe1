// `sync` never stores a value coerced (issue #14): a target column that
// passes the layout check (same COLUMN_TYPE) but cannot hold a source value
// — a charset changed by hand — stops the copy (`--mode copy`) and the
// repair (`--mode checksum`) with the table, column and the server's text;
// the chunk or repair batch is not committed.
#include <gtest/gtest.h>

#include "sync_support.h"

namespace galaxis::testing {
namespace {

class SyncFidelityTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_sync_users(*master_, *passive_);
  }
  Server* master_ = nullptr;
  Server* passive_ = nullptr;
};

TEST_P(SyncFidelityTest, CopyStopsOnAValueTheTargetCannotStore) {
  master_->exec(
      "DROP DATABASE IF EXISTS fid_session_sync; CREATE DATABASE fid_session_sync;"
      "CREATE TABLE fid_session_sync.t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET utf8mb4);"
      "INSERT INTO fid_session_sync.t VALUES (1, 'plain'), (2, _utf8mb4 0xF09F9880), (3, 'more')");
  // Same COLUMN_TYPE, another charset: latin1 has no emoji.
  passive_->exec(
      "DROP DATABASE IF EXISTS fid_session_sync; CREATE DATABASE fid_session_sync;"
      "CREATE TABLE fid_session_sync.t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET latin1)");
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"fid_session_sync"};
  options.stream = "fid_session_sync";
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "the copy stored a value the target cannot hold: "
                  << passive_->query_value("SELECT GROUP_CONCAT(HEX(v) ORDER BY id) FROM fid_session_sync.t");
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("fid_session_sync"), std::string::npos) << message;
    EXPECT_TRUE(message.find("'v'") != std::string::npos || message.find(".`v`") != std::string::npos) << message;
    EXPECT_NE(message.find("1366"), std::string::npos) << message;
  }
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM fid_session_sync.t"), "0");
  // No checkpoint was written (the table may not even exist yet).
  if (passive_->query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'galaxis_relay' AND "
                            "TABLE_NAME = 'checkpoint'") == "1") {
    EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM galaxis_relay.checkpoint WHERE stream = 'fid_session_sync' "
                                    "AND binlog_file <> ''"),
              "0");
  }
}

TEST_P(SyncFidelityTest, ChecksumRepairStopsOnAValueTheTargetCannotStore) {
  master_->exec(
      "DROP DATABASE IF EXISTS fid_session_sum; CREATE DATABASE fid_session_sum;"
      "CREATE TABLE fid_session_sum.t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET utf8mb4);"
      "INSERT INTO fid_session_sum.t VALUES (1, 'plain'), (2, _utf8mb4 0xF09F9880), (3, 'more')");
  // Row 1 differs and row 2 is missing: one repair batch must fix both, and
  // row 2 cannot be stored in latin1.
  passive_->exec(
      "DROP DATABASE IF EXISTS fid_session_sum; CREATE DATABASE fid_session_sum;"
      "CREATE TABLE fid_session_sum.t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET latin1);"
      "INSERT INTO fid_session_sum.t VALUES (1, 'stale'), (3, 'more')");
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"fid_session_sum"};
  options.stream = "fid_session_sum";
  options.mode = sql::sync::SyncMode::kChecksum;
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "the repair stored a value the target cannot hold: "
                  << passive_->query_value("SELECT GROUP_CONCAT(HEX(v) ORDER BY id) FROM fid_session_sum.t");
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("fid_session_sum"), std::string::npos) << message;
    EXPECT_NE(message.find("1366"), std::string::npos) << message;
  }
  // Nothing of the failed repair batch was committed.
  EXPECT_EQ(passive_->query_value("SELECT GROUP_CONCAT(id, '=', v ORDER BY id) FROM fid_session_sum.t"),
            "1=stale,3=more");
}

TEST_P(SyncFidelityTest, SystemVersionedTableIsRefusedNotCopiedWithoutItsHistory) {
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "MariaDB only (WITH SYSTEM VERSIONING)";
  master_->exec(
      "DROP DATABASE IF EXISTS fid_session_vers; CREATE DATABASE fid_session_vers;"
      "CREATE TABLE fid_session_vers.t (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;"
      "INSERT INTO fid_session_vers.t VALUES (1, 1); UPDATE fid_session_vers.t SET v = 2");
  passive_->exec("DROP DATABASE IF EXISTS fid_session_vers");
  sql::sync::SyncOptions options = sync_options(*master_, *passive_);
  options.filter.include = {"fid_session_vers"};
  options.stream = "fid_session_vers";
  try {
    sql::sync::run_sync(options);
    ADD_FAILURE() << "sync copied a system-versioned table without its history";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("`fid_session_vers`.`t` is system-versioned"), std::string::npos) << message;
    EXPECT_NE(message.find("--exclude fid_session_vers.t"), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, SyncFidelityTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
