// Checkpoint rows of parallel apply: names and what a restart makes of
// them (sql/parallel_checkpoint.h).
#include "galaxis/sql/parallel_checkpoint.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

binlog::BinlogPosition at(const std::string& file, uint64_t offset) { return {file, offset, ""}; }

std::vector<CheckpointRow> workers(const std::vector<std::optional<binlog::BinlogPosition>>& positions) {
  std::vector<CheckpointRow> rows;
  for (size_t k = 1; k <= positions.size(); ++k) {
    rows.push_back({worker_stream_name("s", k, positions.size()), positions[k - 1], false});
  }
  return rows;
}

TEST(ParallelCheckpointTest, WorkerRowNames) {
  EXPECT_EQ(worker_stream_name("default", 2, 4), "default#2/4");
  EXPECT_EQ(parse_worker_stream_name("default", "default#2/4"), std::make_pair(size_t{2}, size_t{4}));
  EXPECT_FALSE(parse_worker_stream_name("default", "default"));
  EXPECT_FALSE(parse_worker_stream_name("default", "default#5/4"));
  EXPECT_FALSE(parse_worker_stream_name("default", "default#0/4"));
  EXPECT_FALSE(parse_worker_stream_name("default", "default#1/4x"));
  EXPECT_FALSE(parse_worker_stream_name("default", "defaultx#1/4"));
  EXPECT_FALSE(parse_worker_stream_name("def", "default#1/4"));
  EXPECT_NO_THROW(worker_stream_name(std::string(58, 'x'), 4, 4));  // 58 + "#4/4" = 62
  EXPECT_THROW(worker_stream_name(std::string(60, 'x'), 10, 10), Error);
}

TEST(ParallelCheckpointTest, PositionsCompareByFileIndexThenOffset) {
  EXPECT_TRUE(position_before(at("binlog.000009", 900), at("binlog.000010", 4)));
  EXPECT_TRUE(position_before(at("binlog.999999", 4), at("binlog.1000000", 4)));  // numeric, not textual
  EXPECT_TRUE(position_before(at("binlog.000010", 4), at("binlog.000010", 5)));
  EXPECT_FALSE(position_before(at("binlog.000010", 5), at("binlog.000010", 5)));
  EXPECT_TRUE(position_before(std::nullopt, at("binlog.000001", 4)));
  EXPECT_FALSE(position_before(at("binlog.000001", 4), std::nullopt));
}

TEST(ParallelCheckpointTest, OnlyThePlainRowIsACleanStartFromIt) {
  RecoveryPlan plan = plan_recovery({{"s", at("b.000002", 100), true}}, "s");
  EXPECT_EQ(plan.workers, 0u);
  EXPECT_FALSE(plan.partial());
  EXPECT_EQ(plan.start, at("b.000002", 100));
  EXPECT_TRUE(plan.any_ddl_pending());
  EXPECT_FALSE(plan_recovery({}, "s").start);
}

TEST(ParallelCheckpointTest, EqualWorkerRowsAreACleanStart) {
  auto rows = workers({at("b.1", 50), at("b.1", 50), at("b.1", 50)});
  rows.push_back({"s", std::nullopt, false});  // the empty plain row ensure_table leaves is ignored
  rows.push_back({"other", at("b.1", 7), false});
  RecoveryPlan plan = plan_recovery(rows, "s");
  EXPECT_EQ(plan.workers, 3u);
  EXPECT_FALSE(plan.partial());
  EXPECT_EQ(plan.start, at("b.1", 50));
}

TEST(ParallelCheckpointTest, TwoPositionsAreAPartialEpochReplayingTheWorkersStillAtItsStart) {
  RecoveryPlan plan = plan_recovery(workers({at("b.2", 10), at("b.1", 900), at("b.2", 10), at("b.1", 900)}), "s");
  ASSERT_TRUE(plan.partial());
  EXPECT_EQ(plan.workers, 4u);
  EXPECT_EQ(plan.start, at("b.1", 900));
  EXPECT_EQ(plan.epoch_end, at("b.2", 10));
  EXPECT_EQ(plan.replay, (std::vector<bool>{false, true, false, true}));
  EXPECT_FALSE(plan.single_worker);
}

TEST(ParallelCheckpointTest, WorkerOneStillAtTheStartIsASingleWorkerEpochReplayedWholeOnIt) {
  // Worker 1 commits a single-worker epoch last: the others' rows at E carry nothing.
  RecoveryPlan plan = plan_recovery(workers({at("b.1", 900), at("b.2", 10), at("b.1", 900), at("b.2", 10)}), "s");
  ASSERT_TRUE(plan.partial());
  EXPECT_TRUE(plan.single_worker);
  EXPECT_EQ(plan.start, at("b.1", 900));
  EXPECT_EQ(plan.epoch_end, at("b.2", 10));
  EXPECT_EQ(plan.replay, (std::vector<bool>{true, false, false, false}));
}

TEST(ParallelCheckpointTest, PositionsAreComparedByCoordinatesNotByTheirGtidText) {
  binlog::BinlogPosition e1{"b.1", 500, "u:1-5"};
  binlog::BinlogPosition e2{"b.1", 500, "u:1-3:4-5"};
  RecoveryPlan clean = plan_recovery(workers({e1, e2}), "s");
  EXPECT_FALSE(clean.partial());
  RecoveryPlan partial = plan_recovery(workers({e1, at("b.1", 100), e2}), "s");
  ASSERT_TRUE(partial.partial());
  EXPECT_EQ(partial.replay, (std::vector<bool>{false, true, false}));
}

TEST(ParallelCheckpointTest, APartialFirstEpochStartsFromNothing) {
  RecoveryPlan plan = plan_recovery(workers({at("b.1", 300), std::nullopt}), "s");
  ASSERT_TRUE(plan.partial());
  EXPECT_FALSE(plan.start);
  EXPECT_FALSE(plan.single_worker);
  EXPECT_EQ(plan.replay, (std::vector<bool>{false, true}));
}

TEST(ParallelCheckpointTest, ImpossibleRowSetsAreCorruptAndNameTheRows) {
  auto expect_corrupt = [](const std::vector<CheckpointRow>& rows, const std::string& names) {
    try {
      plan_recovery(rows, "s");
      ADD_FAILURE() << "no error for " << names;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
      EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
    }
  };
  expect_corrupt(workers({at("b.1", 1), at("b.1", 2), at("b.1", 3)}), "'s#3/3' at b.1:3");
  auto missing = workers({at("b.1", 1), at("b.1", 1), at("b.1", 1)});
  missing.erase(missing.begin() + 1);
  expect_corrupt(missing, "2 of 3 worker rows");
  auto mixed = workers({at("b.1", 1), at("b.1", 1)});
  mixed.push_back({"s#1/3", at("b.1", 1), false});
  expect_corrupt(mixed, "different worker counts");
  auto both = workers({at("b.1", 1), at("b.1", 1)});
  both.push_back({"s", at("b.1", 1), false});
  expect_corrupt(both, "plain row with a position");
}

TEST(ParallelCheckpointTest, WorkerRowsAtOnePositionCarryDdlPendingOnWorkerOne) {
  auto rows = worker_rows_at("s", 3, at("b.1", 4), true);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (CheckpointRow{"s#1/3", at("b.1", 4), true}));
  EXPECT_EQ(rows[2], (CheckpointRow{"s#3/3", at("b.1", 4), false}));
}

}  // namespace
}  // namespace galaxis::sql
