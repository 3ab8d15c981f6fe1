// Exactly once across crashes: the checkpoint row moves only with the rows
// it covers. The applier's target connection is killed between statements
// (from another session, as a crash or network loss would end it); the
// passive must then show nothing of the open group and the old checkpoint,
// and a new applier resuming from that checkpoint must end equal to the
// master with nothing doubled.
#include <gtest/gtest.h>

#include "apply_support.h"

namespace galaxis::testing {
namespace {

class CheckpointTest : public MasterPassiveTest {
 protected:
  // Never commits on its own: only flush() (end of replay) commits.
  static sql::ApplierOptions huge_groups(const std::string& stream) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    o.group_max_transactions = 1000000;
    o.group_max_rows = 1000000000;
    o.group_max_bytes = size_t{1} << 40;
    o.group_max_delay = std::chrono::hours(1);
    o.max_batch_bytes = 2048;  // rows reach the target (uncommitted) as we go
    return o;
  }

  std::string checkpoint_of(const std::string& stream) {
    return passive_->query_value(
        "SELECT CONCAT(binlog_file, ':', binlog_position, ' pending=', ddl_pending) FROM galaxis_relay.checkpoint "
        "WHERE stream = '" +
        stream + "'");
  }
};

TEST_P(CheckpointTest, ConnectionKilledMidGroupLeavesNothingAndResumeAppliesEachRowOnce) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ck_rows; CREATE DATABASE ck_rows;"
      "CREATE TABLE ck_rows.t (id INT PRIMARY KEY, v VARCHAR(50)); CREATE TABLE ck_rows.nokey (v INT)");
  {
    auto setup = make_applier(*passive_, huge_groups("ck_rows"));
    replay(*master_, from, *setup);
  }
  const binlog::BinlogPosition mid = master_position(*master_);
  EXPECT_EQ(checkpoint_of("ck_rows"), mid.file + ":" + std::to_string(mid.offset) + " pending=0");

  std::string workload;
  for (int i = 1; i <= 300; ++i) {
    workload +=
        fmt::format("INSERT INTO ck_rows.t VALUES ({0}, 'row {0}'); INSERT INTO ck_rows.nokey VALUES ({0});", i);
  }
  master_->exec(workload);

  auto victim = make_applier(*passive_, huge_groups("ck_rows"));
  ASSERT_TRUE(victim->committed_position().has_value());
  EXPECT_EQ(victim->committed_position()->offset, mid.offset);
  const uint64_t victim_thread = victim->connection().thread_id();
  bool killed = false;
  size_t seen = 0;
  try {
    replay(*master_, mid, *victim, [&](const relay::TransactionInfo&) {
      if (++seen == 400) {
        EXPECT_GT(victim->stats().round_trips, 5u);  // rows were sent, uncommitted
        passive_->exec("KILL " + std::to_string(victim_thread));
        killed = true;
      }
    });
    ADD_FAILURE() << "the applier did not notice its connection was killed";
  } catch (const Error& e) {
    EXPECT_TRUE(killed);
    EXPECT_EQ(e.kind(), Error::Kind::kNetwork) << e.what();
  }
  victim->rollback();
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ck_rows.t"), "0");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ck_rows.nokey"), "0");
  EXPECT_EQ(checkpoint_of("ck_rows"), mid.file + ":" + std::to_string(mid.offset) + " pending=0");

  auto resumed = make_applier(*passive_, huge_groups("ck_rows"));
  ASSERT_TRUE(resumed->committed_position().has_value());
  replay(*master_, *resumed->committed_position(), *resumed);
  EXPECT_EQ(compare_databases(*master_, "ck_rows", *passive_, "ck_rows"), "");
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM ck_rows.nokey"), "300");
  const binlog::BinlogPosition end = master_position(*master_);
  EXPECT_EQ(checkpoint_of("ck_rows"), end.file + ":" + std::to_string(end.offset) + " pending=0");
}

TEST_P(CheckpointTest, CrashAfterDdlBeforeItsCheckpointReplaysTheDdlOnce) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS ck_ddl; CREATE DATABASE ck_ddl;"
      "CREATE TABLE ck_ddl.t (id INT PRIMARY KEY); INSERT INTO ck_ddl.t VALUES (1);"
      "ALTER TABLE ck_ddl.t ADD COLUMN c INT DEFAULT 5;"
      "INSERT INTO ck_ddl.t VALUES (2, 2)");
  auto victim = make_applier(*passive_, huge_groups("ck_ddl"));
  const uint64_t victim_thread = victim->connection().thread_id();
  size_t seen = 0;
  binlog::BinlogPosition before_alter;
  EXPECT_THROW(replay(*master_, from, *victim,
                      [&](const relay::TransactionInfo& t) {
                        ++seen;
                        if (seen == 4) before_alter = t.end;                                     // after INSERT (1)
                        if (seen == 5) passive_->exec("KILL " + std::to_string(victim_thread));  // after the ALTER
                      }),
               Error);
  victim->rollback();
  // The ALTER ran; its checkpoint says "a DDL may follow the INSERT".
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'ck_ddl' "
                                  "AND TABLE_NAME = 't' AND COLUMN_NAME = 'c'"),
            "1");
  EXPECT_EQ(checkpoint_of("ck_ddl"), before_alter.file + ":" + std::to_string(before_alter.offset) + " pending=1");

  auto resumed = make_applier(*passive_, huge_groups("ck_ddl"));
  ASSERT_TRUE(resumed->loaded_checkpoint().has_value());
  EXPECT_TRUE(resumed->loaded_checkpoint()->ddl_pending);
  replay(*master_, *resumed->committed_position(), *resumed);
  EXPECT_EQ(compare_databases(*master_, "ck_ddl", *passive_, "ck_ddl"), "");
  const binlog::BinlogPosition end = master_position(*master_);
  EXPECT_EQ(checkpoint_of("ck_ddl"), end.file + ":" + std::to_string(end.offset) + " pending=0");
}

TEST_P(CheckpointTest, WrongTargetPasswordIsAnAuthErrorWithoutThePassword) {
  ConnectionUrl url = user_url(*passive_, kTargetUser, "not-the-password-xyz");
  try {
    sql::Connection connection(url);
    ADD_FAILURE() << "connected with a wrong password";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kAuth) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not-the-password-xyz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kTargetUser), std::string::npos) << e.what();
  }
}

TEST_P(CheckpointTest, ConnectionBatchesPreparedStatementsAndErrors) {
  sql::Connection connection = target_connection(*passive_);
  connection.exec(
      "CREATE DATABASE IF NOT EXISTS ck_conn; DROP TABLE IF EXISTS ck_conn.t;"
      "CREATE TABLE ck_conn.t (id INT PRIMARY KEY, b VARBINARY(16))");
  std::vector<uint64_t> affected = connection.exec_multi(
      "INSERT INTO ck_conn.t VALUES (1, NULL), (2, NULL); UPDATE ck_conn.t SET b = b WHERE id = 1;"
      "DELETE FROM ck_conn.t WHERE id = 9");
  // UPDATE reports matched rows (CLIENT_FOUND_ROWS), even though nothing changed.
  EXPECT_EQ(affected, (std::vector<uint64_t>{2, 1, 0}));
  sql::PreparedStatement insert = connection.prepare("INSERT INTO ck_conn.t VALUES (?, ?)");
  const std::string binary("\0\xff'\\\"", 5);
  EXPECT_EQ(insert.execute({"3", binary}), 1u);
  EXPECT_EQ(connection.query_value("SELECT HEX(b) FROM ck_conn.t WHERE id = 3"), "00FF275C22");
  EXPECT_EQ(connection.query_value("SELECT b FROM ck_conn.t WHERE id = 1"), std::nullopt);
  EXPECT_EQ(connection.query_value("SELECT " + connection.quote(binary) + " = b FROM ck_conn.t WHERE id = 3"), "1");
  try {
    connection.exec_multi("SELECT 1; INSERT INTO ck_conn.t VALUES (1, NULL)");
    ADD_FAILURE() << "duplicate key not reported";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kServer);
    EXPECT_NE(std::string(e.what()).find("1062"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("statement 2 of the batch"), std::string::npos) << e.what();
  }
  EXPECT_EQ(connection.query_value("SELECT COUNT(*) FROM ck_conn.t"), "3");  // still usable
  try {
    connection.exec("GRANT ALL ON *.* TO root");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kAuth) << e.what();
  }
  passive_->exec("KILL " + std::to_string(connection.thread_id()));
  try {
    connection.query("SELECT 1");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kNetwork) << e.what();
    EXPECT_TRUE(e.retryable()) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, CheckpointTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
