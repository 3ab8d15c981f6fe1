// The pipeline's reader→applier hand-off (relay/service/src/event_queue.h, private):
// order, the byte bound, close() and timeouts, with a real producer thread.
#include "../../../relay/service/src/event_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace galaxis::relay::detail {
namespace {

// Waits until the producer thread blocks inside push() (5 s at most).
bool wait_for_blocked_producer(const EventQueue& queue) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!queue.producer_waiting()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

QueueItem item(uint64_t sequence, size_t weight) {
  QueueItem i;
  i.kind = QueueItem::Kind::kEvent;
  i.offset = sequence;
  i.weight = weight;
  return i;
}

TEST(EventQueue, KeepsOrderAndTheByteBoundAcrossThreads) {
  constexpr size_t kMax = 10000;
  constexpr uint64_t kItems = 200000;
  EventQueue queue(kMax);
  std::atomic<size_t> highest{0};
  std::thread producer([&] {
    for (uint64_t n = 0; n < kItems; ++n) {
      ASSERT_TRUE(queue.push(item(n, 64 + n % 500)));
      size_t now = queue.bytes();
      size_t seen = highest.load();
      while (now > seen && !highest.compare_exchange_weak(seen, now)) {
      }
    }
  });
  uint64_t expected = 0;
  while (expected < kItems) {
    auto popped = queue.pop(std::chrono::milliseconds(5000));
    ASSERT_TRUE(popped.has_value()) << "stalled after " << expected << " items";
    ASSERT_EQ(popped->offset, expected);
    ++expected;
  }
  producer.join();
  EXPECT_EQ(queue.bytes(), 0u);
  // Items the consumer took into its batch still count: never over the bound.
  EXPECT_LE(highest.load(), kMax);
  EXPECT_GT(highest.load(), kMax / 2) << "the producer never filled the queue: the bound was not exercised";
}

TEST(EventQueue, OneOversizedItemPassesAnEmptyQueue) {
  EventQueue queue(100);
  ASSERT_TRUE(queue.push(item(1, 5000)));
  auto popped = queue.pop(std::chrono::milliseconds(100));
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(popped->weight, 5000u);
}

TEST(EventQueue, PopTimesOutWhenEmpty) {
  EventQueue queue(100);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.pop(std::chrono::milliseconds(30)).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(25));
}

TEST(EventQueue, AWakeIsNotLostAndEndsTheNextWaitAtOnce) {
  EventQueue queue(100);
  queue.wake();  // before the consumer waits: pop() must still return at once
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.pop(std::chrono::seconds(60)).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  // Consumed: the next pop() waits for items again (here: one that is there).
  ASSERT_TRUE(queue.push(item(1, 10)));
  auto popped = queue.pop(std::chrono::seconds(60));
  ASSERT_TRUE(popped.has_value());
  EXPECT_EQ(popped->offset, 1u);
}

TEST(EventQueue, CloseWakesAWaitingProducerAndTheConsumerDrainsTheRest) {
  EventQueue queue(100);
  ASSERT_TRUE(queue.push(item(1, 80)));
  std::atomic<int> result{-1};
  std::thread producer([&] { result = queue.push(item(2, 80)) ? 1 : 0; });  // waits: no room
  EXPECT_TRUE(wait_for_blocked_producer(queue)) << "push did not wait for room";
  EXPECT_EQ(result.load(), -1) << "push returned while waiting for room";
  queue.close();
  producer.join();
  EXPECT_EQ(result.load(), 0);
  auto first = queue.pop(std::chrono::milliseconds(100));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->offset, 1u);
  EXPECT_FALSE(queue.pop(std::chrono::milliseconds(100)).has_value());
  EXPECT_FALSE(queue.push(item(3, 1)));
}

TEST(EventQueue, AWaitingProducerIsWokenWhenTheConsumerMakesRoom) {
  EventQueue queue(100);
  ASSERT_TRUE(queue.push(item(1, 80)));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.push(item(2, 80)));
    pushed = true;
  });
  EXPECT_TRUE(wait_for_blocked_producer(queue)) << "push did not wait for room";
  EXPECT_FALSE(pushed.load());
  ASSERT_TRUE(queue.pop(std::chrono::milliseconds(100)).has_value());
  producer.join();
  EXPECT_TRUE(pushed.load());
  auto second = queue.pop(std::chrono::milliseconds(100));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->offset, 2u);
}

}  // namespace
}  // namespace galaxis::relay::detail
