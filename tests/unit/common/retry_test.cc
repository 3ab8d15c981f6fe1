// The one retry policy (common/retry.h) with a FakeClock: the delay
// schedule, the cap, giving up by attempts and by elapsed time, reset after
// progress, jitter bounds, and a wait that a StopSignal ends — all without
// sleeping.
#include "galaxis/common/retry.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace galaxis {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, DoublesFromTheInitialDelayUpToTheCap) {
  RetryPolicy p;
  p.initial_delay = milliseconds(500);
  p.max_delay = milliseconds(3000);
  EXPECT_EQ(p.delay_for(1), milliseconds(500));
  EXPECT_EQ(p.delay_for(2), milliseconds(1000));
  EXPECT_EQ(p.delay_for(3), milliseconds(2000));
  EXPECT_EQ(p.delay_for(4), milliseconds(3000));
  EXPECT_EQ(p.delay_for(1000), milliseconds(3000)) << "no overflow far past the cap";
}

TEST(Backoff, WaitsThroughTheClockAndGivesUpAfterMaxAttempts) {
  FakeClock clock;
  RetryPolicy p;
  p.initial_delay = milliseconds(100);
  p.max_delay = milliseconds(250);
  p.max_attempts = 3;
  Backoff backoff(p, clock);
  const auto start = clock.now();
  for (int i = 0; i < 3; ++i) {
    auto delay = backoff.next_delay();
    ASSERT_TRUE(delay) << i;
    backoff.wait(*delay);
  }
  EXPECT_FALSE(backoff.next_delay());
  EXPECT_EQ(backoff.attempts(), 4u);
  EXPECT_EQ(backoff.gave_up_reason(), "giving up after 3 attempts");
  const std::vector<Clock::duration> expected = {milliseconds(100), milliseconds(200), milliseconds(250)};
  EXPECT_EQ(clock.sleeps(), expected);
  EXPECT_EQ(clock.now() - start, milliseconds(550));
}

TEST(Backoff, ResetAfterProgressStartsAtTheInitialDelay) {
  FakeClock clock;
  RetryPolicy p;
  p.initial_delay = milliseconds(10);
  p.max_attempts = 2;
  Backoff backoff(p, clock);
  EXPECT_EQ(backoff.next_delay(), milliseconds(10));
  EXPECT_EQ(backoff.next_delay(), milliseconds(20));
  backoff.reset();
  EXPECT_EQ(backoff.next_delay(), milliseconds(10));
  EXPECT_EQ(backoff.next_delay(), milliseconds(20));
  EXPECT_FALSE(backoff.next_delay());
}

TEST(Backoff, GivesUpWhenTheNextWaitWouldPassMaxElapsed) {
  FakeClock clock;
  RetryPolicy p;
  p.initial_delay = milliseconds(100);
  p.max_elapsed = milliseconds(1000);
  Backoff backoff(p, clock);
  std::vector<milliseconds> waited;
  while (auto delay = backoff.next_delay()) {
    waited.push_back(*delay);
    backoff.wait(*delay);
    clock.advance(milliseconds(5));  // the attempt itself takes time too
  }
  // 100 + 200 + 400 (+ 3 x 5) = 715; 800 more would end at 1515 > 1000.
  EXPECT_EQ(waited, (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400)}));
  EXPECT_EQ(backoff.gave_up_reason(), "giving up after 1000 ms of retries");
}

TEST(Backoff, JitterTakesOffAtMostItsFractionAndVaries) {
  FakeClock clock;
  RetryPolicy p;
  p.initial_delay = milliseconds(1000);
  p.multiplier = 1;
  p.jitter = 0.5;
  Backoff backoff(p, clock, 42);
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) {
    const milliseconds d = *backoff.next_delay();
    EXPECT_GT(d, milliseconds(500));
    EXPECT_LE(d, milliseconds(1000));
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 10u);
  // The same seed gives the same schedule (tests stay deterministic).
  Backoff again(p, clock, 42);
  Backoff first(p, clock, 42);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(again.next_delay(), first.next_delay());
}

TEST(Backoff, AStopSignalEndsTheWait) {
  FakeClock fake;
  StopSignal stop;
  stop.request_stop();
  Backoff on_fake(RetryPolicy{}, fake);
  on_fake.wait(milliseconds(500), &stop);
  EXPECT_TRUE(fake.sleeps().empty()) << "a fake clock does not wait once stopped";

  // The real clock: a 60 s wait ends when another thread requests the stop.
  StopSignal later;
  Backoff on_real(RetryPolicy{}, steady_clock());
  std::thread stopper([&] { later.request_stop(); });
  const auto start = std::chrono::steady_clock::now();
  on_real.wait(milliseconds(60000), &later);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(later.stop_requested());
}

TEST(StopSignal, WaitForTimesOutWhenNobodyStops) {
  StopSignal stop;
  EXPECT_FALSE(stop.wait_for(milliseconds(1)));
  stop.request_stop();
  EXPECT_TRUE(stop.wait_for(milliseconds(0)));
  EXPECT_TRUE(stop.stop_requested());
}

}  // namespace
}  // namespace galaxis
