// The progress line (sql/sync/progress.h): totals against estimates, the
// percentage capped below 100 until the end, tables in flight.
#include <gtest/gtest.h>

#include "galaxis/sql/sync/progress.h"

namespace galaxis::sql::sync {
namespace {

TEST(SyncProgress, LineCountsRowsAgainstEstimates) {
  ProgressReporter progress("sync copy", std::chrono::milliseconds(0));
  progress.add_table("`a`.`t`", 1000);
  progress.add_table("`a`.`u`", 10);
  progress.add_rows("`a`.`t`", 400);
  std::string line = progress.line();
  EXPECT_EQ(line.rfind("sync copy: 400/1010 rows (39%), ", 0), 0u) << line;
  EXPECT_NE(line.find(" rows/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA "), std::string::npos) << line;
  EXPECT_NE(line.find("in flight: `a`.`t` 400/1000"), std::string::npos) << line;
  // An estimate that was too low never makes the total smaller than what was done.
  progress.add_rows("`a`.`u`", 50);
  progress.table_done("`a`.`u`");
  line = progress.line();
  EXPECT_EQ(line.rfind("sync copy: 450/1050 rows (42%)", 0), 0u) << line;
  EXPECT_EQ(line.find("`a`.`u`"), std::string::npos) << line;  // done: not in flight
  progress.add_rows("`a`.`t`", 700);
  line = progress.line();
  EXPECT_EQ(line.rfind("sync copy: 1150/1150 rows (99%)", 0), 0u) << line;
  EXPECT_EQ(progress.rows_done(), 1150u);
}

}  // namespace
}  // namespace galaxis::sql::sync
