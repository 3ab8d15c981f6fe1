// TaskPool (fsmirror/src/task_pool.h): every task is called exactly
// once (run, or skipped after a failure so it can remove its temp file), and
// the first failure is thrown once, by the next post() or drain().
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "../../../fsmirror/src/task_pool.h"
#include "galaxis/common/error.h"

namespace galaxis::fsmirror {
namespace {

TEST(TaskPool, RunsEveryTaskBeforeDrainReturns) {
  TaskPool pool(4, 64);
  std::atomic<int> ran{0};
  for (int i = 0; i < 1000; ++i) {
    pool.post([&](bool skipped) {
      EXPECT_FALSE(skipped);
      ran.fetch_add(1);
    });
  }
  pool.drain();
  EXPECT_EQ(ran.load(), 1000);
  pool.drain();  // nothing queued: returns at once
}

TEST(TaskPool, FirstFailureIsThrownAndLaterTasksAreSkippedNotLost) {
  TaskPool pool(4, 64);
  std::atomic<int> ran{0}, skipped{0};
  const auto count = [&](bool skip) { (skip ? skipped : ran).fetch_add(1); };
  for (int i = 0; i < 10; ++i) pool.post(count);
  pool.post([](bool) { throw Error(Error::Kind::kIo, "rename into /dest/d/f17: Operation not permitted"); });
  int posted = 11;
  bool thrown_by_post = false;
  try {
    for (int i = 0; i < 200; ++i, ++posted) pool.post(count);
  } catch (const Error& e) {
    thrown_by_post = true;
    EXPECT_NE(std::string(e.what()).find("d/f17"), std::string::npos);
  }
  try {
    pool.drain();
    EXPECT_TRUE(thrown_by_post) << "the failure was thrown by neither post() nor drain()";
  } catch (const Error& e) {
    EXPECT_FALSE(thrown_by_post) << "thrown twice";
    EXPECT_EQ(e.kind(), Error::Kind::kIo);
    EXPECT_NE(std::string(e.what()).find("d/f17"), std::string::npos);
  }
  EXPECT_EQ(ran.load() + skipped.load(), posted - 1);  // all but the failing one, each once
  // Reported once: the next cycle (a --watch session's) starts clean.
  const int before = ran.load();
  pool.post(count);
  pool.drain();
  EXPECT_EQ(ran.load(), before + 1);
}

TEST(TaskPool, FailureThrownByPostIsNotThrownAgainByDrain) {
  TaskPool pool(4, 64);
  pool.post([](bool) { throw Error(Error::Kind::kIo, "rename into /dest/x: Operation not permitted"); });
  bool thrown = false;
  for (int i = 0; i < 1000 && !thrown; ++i) {
    try {
      pool.post([](bool) {});
    } catch (const Error&) {
      thrown = true;
    }
  }
  if (thrown) {
    EXPECT_NO_THROW(pool.drain());
  } else {
    EXPECT_THROW(pool.drain(), Error);  // the failure had not happened yet when the posts ran
  }
  EXPECT_NO_THROW(pool.drain());
}

// After a failure, post_or_skip() (a task queueing more work on its own
// pool) neither throws nor queues: the task runs at once as skipped, and the
// failure is still drain()'s to throw. wait() waits without taking it.
TEST(TaskPool, PostOrSkipAfterAFailureSkipsAtOnceAndLeavesTheFailureForDrain) {
  TaskPool pool(2, std::numeric_limits<size_t>::max());
  pool.post([](bool) { throw Error(Error::Kind::kIo, "open directory /src/a: Permission denied"); });
  pool.wait();  // the failure is kept now
  bool ran = false, skipped = false;
  EXPECT_NO_THROW(pool.post_or_skip([&](bool skip) {
    ran = true;
    skipped = skip;
  }));
  EXPECT_TRUE(ran) << "not run at once";
  EXPECT_TRUE(skipped);
  pool.wait();  // neither throws nor forgets
  try {
    pool.drain();
    ADD_FAILURE() << "the failure was lost";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/src/a"), std::string::npos) << e.what();
  }
  std::atomic<int> later{0};
  pool.post_or_skip([&](bool skip) { later.fetch_add(skip ? 100 : 1); });  // clean again: queued and run
  pool.drain();
  EXPECT_EQ(later.load(), 1);
}

TEST(TaskPool, DestructorFinishesQueuedTasks) {
  std::atomic<int> ran{0};
  {
    TaskPool pool(4, 64);
    for (int i = 0; i < 100; ++i) pool.post([&](bool) { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 100);
}

// kNewestFirst runs the last task posted next: one thread, held busy while
// three more are queued, then runs them last-posted first.
TEST(TaskPool, NewestFirstRunsTheLastPostedTaskNext) {
  TaskPool pool(1, 64, TaskPool::Order::kNewestFirst);
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  std::vector<int> order;
  pool.post([&](bool) {
    std::unique_lock<std::mutex> lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return started; });  // the one thread is busy now
  }
  for (int i = 1; i <= 3; ++i) {
    pool.post([&, i](bool) {
      const std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
  }
  {
    const std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.drain();
  EXPECT_EQ(order, (std::vector<int>{3, 2, 1}));
}

}  // namespace
}  // namespace galaxis::fsmirror
