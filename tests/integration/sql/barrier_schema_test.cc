// Barriers that are no DDL keep the schema caches (issue 15): a backlog of
// small transactions on a MyISAM table runs every one of them as a barrier
// of the parallel applier; before, each barrier made the coordinator and
// every worker reload the tables they touch from information_schema (~50
// transactions/s). Counted with SchemaCache::loads() (ApplierStats::
// schema_loads): a handful per table and applier, not one per barrier — and
// a DDL between the rows still invalidates (the rows after an ALTER that
// adds a column apply with the new layout), compared with the master.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

class BarrierSchemaTest : public MasterPassiveTest {};

TEST_P(BarrierSchemaTest, NonTransactionalBarriersDoNotReloadSchemasButDdlDoes) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS bar_myisam; CREATE DATABASE bar_myisam;"
      "CREATE TABLE bar_myisam.m (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=MyISAM;"
      "CREATE TABLE bar_myisam.i (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
  constexpr int kBarriers = 300;
  std::string load;
  for (int i = 0; i < kBarriers; ++i) {
    load += fmt::format("INSERT INTO bar_myisam.m (id, v) VALUES ({0}, {0});", i);  // a barrier each
    if (i % 3 == 0) load += fmt::format("UPDATE bar_myisam.m SET v = v + 1 WHERE id = {};", i / 2);
    if (i % 4 == 0) load += fmt::format("INSERT INTO bar_myisam.i VALUES ({0}, {0});", i);  // routed between them
    if (i == kBarriers / 2) load += "ALTER TABLE bar_myisam.m ADD COLUMN w INT NULL;";
    if (i > kBarriers / 2) load += fmt::format("UPDATE bar_myisam.m SET w = {0} WHERE id = {1};", i, i - 7);
  }
  master_->exec(load);

  sql::ParallelApplierOptions o;
  o.applier.stream = "bar_myisam";
  o.applier.strict_row_counts = true;
  o.workers = 4;
  auto applier = std::make_unique<sql::ParallelApplier>([this] { return target_connection(*passive_); }, std::move(o));
  replay(*master_, from, *applier);
  const binlog::BinlogPosition end = master_position(*master_);
  ASSERT_TRUE(applier->committed_position().has_value());
  EXPECT_EQ(applier->committed_position()->to_string(), end.to_string());
  // MyISAM transactions join single-worker epochs (join_barriers_max)
  // instead of one epoch each (>= 400 epochs); an InnoDB one ends them.
  EXPECT_LT(applier->epochs(), static_cast<uint64_t>(kBarriers));
  EXPECT_EQ(compare_databases(*master_, "bar_myisam", *passive_, "bar_myisam"), "");
  // Two tables, loaded by the coordinator and by the workers that touch them,
  // again after each of the 4 DDL (DROP/CREATE DATABASE, CREATE TABLE x2,
  // ALTER); reloading per barrier would be > kBarriers.
  const uint64_t loads = applier->total_stats().schema_loads;
  EXPECT_LE(loads, 40u) << "schema loads for " << kBarriers << " barrier transactions";
  EXPECT_GE(loads, 2u);
}

INSTANTIATE_TEST_SUITE_P(Flavors, BarrierSchemaTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
