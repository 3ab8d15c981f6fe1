// The pipeline's early commit once caught up (relay/service/src/caught_up_flush.h).
#include "../../../relay/service/src/caught_up_flush.h"

#include <gtest/gtest.h>

namespace galaxis::relay::detail {
namespace {

using std::chrono::milliseconds;

TEST(CaughtUpFlush, FlushesAGroupOlderThanTheDelayOnceTheQueueIsEmpty) {
  FakeClock clock;
  CaughtUpFlush rule(milliseconds(20), clock);
  EXPECT_FALSE(rule.after_commit(/*has_uncommitted=*/true, /*queue_empty=*/true));  // the group starts now
  clock.sleep_for(milliseconds(19));
  EXPECT_FALSE(rule.after_commit(true, true));  // younger than the delay
  clock.sleep_for(milliseconds(1));
  EXPECT_TRUE(rule.after_commit(true, true));
  // The next group starts with the next commit, not at the old group's start.
  clock.sleep_for(milliseconds(5));
  EXPECT_FALSE(rule.after_commit(true, true));
  clock.sleep_for(milliseconds(20));
  EXPECT_TRUE(rule.after_commit(true, true));
}

TEST(CaughtUpFlush, KeepsGrowingTheGroupWhileABacklogIsQueued) {
  FakeClock clock;
  CaughtUpFlush rule(milliseconds(20), clock);
  EXPECT_FALSE(rule.after_commit(true, /*queue_empty=*/false));
  clock.sleep_for(milliseconds(150));
  EXPECT_FALSE(rule.after_commit(true, false));  // a backlog: the applier's own group bounds apply
  EXPECT_TRUE(rule.after_commit(true, true));    // the backlog is gone: commit what is held
}

TEST(CaughtUpFlush, ForgetsAGroupTheApplierOrTheIdlePathCommitted) {
  FakeClock clock;
  CaughtUpFlush rule(milliseconds(20), clock);
  EXPECT_FALSE(rule.after_commit(true, false));
  clock.sleep_for(milliseconds(30));
  EXPECT_FALSE(rule.after_commit(/*has_uncommitted=*/false, true));  // the applier committed at its bound
  EXPECT_FALSE(rule.after_commit(true, true));                       // a new group, 0 ms old
  clock.sleep_for(milliseconds(30));
  rule.flushed();  // the idle source flushed it
  EXPECT_FALSE(rule.after_commit(true, true));
}

}  // namespace
}  // namespace galaxis::relay::detail
