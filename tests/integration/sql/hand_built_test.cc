// The applier fed hand-built events (no master): transaction grouping,
// abort/ROLLBACK of one source transaction inside a group — before and after
// part of it was sent (savepoint) — and the checkpoint only ever naming
// committed rows.
#include <gtest/gtest.h>

#include <cstdlib>

#include "apply_support.h"

namespace galaxis::testing {
namespace {

using binlog::Event;

class HandBuiltTest : public MasterPassiveTest {
 protected:
  void SetUp() override {
    MasterPassiveTest::SetUp();
    if (IsSkipped()) return;
    passive_->exec(
        "DROP DATABASE IF EXISTS hb; CREATE DATABASE hb;"
        "CREATE TABLE hb.t (id INT PRIMARY KEY, v VARCHAR(100))");
    map_ = std::make_shared<binlog::TableMap>();
    map_->database = "hb";
    map_->table = "t";
    map_->columns.resize(2);
  }

  Event insert(int first, int count, const std::string& pad = "") {
    binlog::RowsEvent rows;
    rows.kind = binlog::RowsKind::kWrite;
    rows.column_count = 2;
    rows.columns_after = {true, true};
    rows.table = map_;
    for (int id = first; id < first + count; ++id) {
      rows.rows.push_back({{}, {int64_t{id}, binlog::Text{"v" + std::to_string(id) + pad, 45}}});
    }
    Event e;
    e.header.type_code = 30;
    e.body = std::move(rows);
    return e;
  }
  static Event query(const std::string& text) {
    binlog::QueryEvent q;
    q.query = text;
    q.database = "hb";
    Event e;
    e.header.type_code = 2;
    e.body = q;
    return e;
  }
  static binlog::BinlogPosition at(uint64_t offset) { return {"hb-bin.000001", offset, ""}; }
  std::string ids() { return passive_->query_value("SELECT COALESCE(GROUP_CONCAT(id ORDER BY id), '') FROM hb.t"); }
  std::string checkpoint(const std::string& stream) {
    return passive_->query_value("SELECT binlog_position FROM galaxis_relay.checkpoint WHERE stream = '" + stream +
                                 "'");
  }
  sql::ApplierOptions grouped(const std::string& stream) {
    sql::ApplierOptions o;
    o.stream = stream;
    o.strict_row_counts = true;
    o.group_max_delay = std::chrono::hours(1);
    o.max_batch_bytes = 4096;
    o.compact_rows = std::getenv("GALAXIS_SQL_COMPACT") != nullptr;
    return o;
  }

  void abort_scenario(bool compact);

  std::shared_ptr<binlog::TableMap> map_;
};

TEST_P(HandBuiltTest, AbortUndoesOnlyTheCurrentTransactionBeforeAndAfterItWasPartlySent) { abort_scenario(false); }
TEST_P(HandBuiltTest, AbortWithNetEffectCompaction) { abort_scenario(true); }

void HandBuiltTest::abort_scenario(bool compact) {
  passive_->exec("DELETE FROM hb.t");
  sql::ApplierOptions o = grouped(compact ? "hb_abort_c" : "hb_abort");
  o.compact_rows = compact;
  auto applier = make_applier(*passive_, o);
  applier->begin();
  applier->apply(insert(1, 2));
  applier->commit(at(100));
  // Unsent abort: rolled back inside the batch.
  applier->begin();
  applier->apply(insert(10, 2));
  applier->abort();
  // A big transaction: part of it is sent (behind a savepoint), then aborted.
  applier->begin();
  applier->apply(insert(20, 60, std::string(80, 'p')));
  EXPECT_GE(applier->stats().round_trips, 1u);
  applier->apply(insert(90, 1));
  applier->abort();
  // A ROLLBACK in the stream behaves the same.
  applier->begin();
  applier->apply(insert(100, 60, std::string(80, 'p')));
  applier->apply(query("ROLLBACK"));
  applier->commit(at(300));
  applier->begin();
  applier->apply(insert(3, 1));
  applier->commit(at(400));
  EXPECT_EQ(ids(), "");  // nothing committed yet: one open group
  applier->flush();
  EXPECT_EQ(ids(), "1,2,3");
  EXPECT_EQ(checkpoint(compact ? "hb_abort_c" : "hb_abort"), "400");
  EXPECT_EQ(applier->stats().target_commits, 1u);
}

TEST_P(HandBuiltTest, AbortOfAPartlySentFirstTransactionRollsBackTheTargetTransaction) {
  auto applier = make_applier(*passive_, grouped("hb_first"));
  applier->begin();
  applier->apply(insert(1, 80, std::string(80, 'p')));
  EXPECT_GE(applier->stats().round_trips, 1u);
  applier->abort();
  applier->begin();
  applier->apply(insert(500, 1));
  applier->commit(at(900));
  applier->flush();
  EXPECT_EQ(ids(), "500");
  EXPECT_EQ(checkpoint("hb_first"), "900");
}

TEST_P(HandBuiltTest, RollbackAfterAnErrorKeepsTheLastCommittedCheckpoint) {
  sql::ApplierOptions o = grouped("hb_error");
  o.compact_rows = false;  // compaction turns the duplicate INSERT into DELETE + INSERT: no drift error
  auto applier = make_applier(*passive_, o);
  applier->begin();
  applier->apply(insert(1, 1));
  applier->commit(at(10));
  applier->flush();
  applier->begin();
  applier->apply(insert(2, 1));
  applier->commit(at(20));
  applier->begin();
  applier->apply(insert(1, 1));  // duplicate key on the target: it has drifted
  applier->commit(at(30));
  EXPECT_THROW(applier->flush(), Error);
  applier->rollback();
  EXPECT_EQ(ids(), "1");
  EXPECT_EQ(checkpoint("hb_error"), "10");
  ASSERT_TRUE(applier->committed_position().has_value());
  EXPECT_EQ(applier->committed_position()->offset, 10u);
}

TEST_P(HandBuiltTest, StatementDmlAndUnknownEventsStopWithAClearError) {
  auto applier = make_applier(*passive_, grouped("hb_refuse"));
  applier->begin();
  try {
    applier->apply(query("INSERT INTO t VALUES (1, 'x')"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("binlog_format=ROW"), std::string::npos) << e.what();
  }
  Event unknown;
  unknown.header.type_code = 200;
  unknown.offset = 777;
  unknown.body = binlog::OpaqueEvent{false};
  try {
    applier->apply(unknown);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("offset 777"), std::string::npos) << e.what();
  }
  applier->rollback();
  // Account management is skipped (and never executed).
  applier->begin();
  applier->apply(query("CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'"));
  applier->commit(at(50));
  applier->flush();
  EXPECT_EQ(passive_->query_value("SELECT COUNT(*) FROM mysql.user WHERE user = 'intruder'"), "0");
  EXPECT_EQ(applier->stats().skipped_statements, 1u);
}

INSTANTIATE_TEST_SUITE_P(Flavors, HandBuiltTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
