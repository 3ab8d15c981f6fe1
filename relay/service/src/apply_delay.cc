#include "galaxis/relay/apply_delay.h"

#include <fmt/format.h>

#include <algorithm>

#include "galaxis/common/log.h"

namespace galaxis::relay {
namespace {

double seconds(ApplyDelayWatch::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void raise_to(std::atomic<uint64_t>& a, uint64_t v) {
  uint64_t old = a.load(std::memory_order_relaxed);
  while (old < v && !a.compare_exchange_weak(old, v, std::memory_order_relaxed)) {
  }
}

}  // namespace

void ApplyDelayWatch::record(const Sample& s, Clock::time_point committed, const std::string& where) {
  const double total = seconds(committed - s.received);
  size_t b = 0;
  while (b < kBounds.size() && total > kBounds[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const auto us = static_cast<uint64_t>(std::max(0.0, total) * 1e6);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  raise_to(max_us_, us);
  const int64_t age = s.source_timestamp == 0 ? 0 : s.receipt_unix_s - static_cast<int64_t>(s.source_timestamp);
  int64_t old_age = max_age_s_.load(std::memory_order_relaxed);
  while (old_age < age && !max_age_s_.compare_exchange_weak(old_age, age, std::memory_order_relaxed)) {
  }

  // One debug line per second at most: the slowest transaction of the window.
  if (committed - window_start_ >= std::chrono::seconds(1)) {
    if (!window_line_.empty()) log::debug("{}", window_line_);
    window_line_.clear();
    window_worst_ = 0;
    window_start_ = committed;
  }
  const bool slow = total >= std::chrono::duration<double>(slow_log_after).count() || age >= 2;
  if (slow && total >= window_worst_) {
    window_worst_ = total;
    window_line_ = fmt::format(
        "relay: slow source transaction (in the target commit up to {}): committed on the target {:.0f} ms after it "
        "was received "
        "(queue + routing {:.0f} ms, applier {:.0f} ms); the master wrote it ~{} s before the relay received it",
        where, total * 1e3, seconds(s.handed - s.received) * 1e3, seconds(committed - s.handed) * 1e3, age);
  }
}

ApplyDelayWatch::Snapshot ApplyDelayWatch::snapshot() const {
  Snapshot s;
  for (size_t i = 0; i < buckets_.size(); ++i) s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  s.count = count_.load(std::memory_order_relaxed);
  s.sum_seconds = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
  s.max_seconds = static_cast<double>(max_us_.load(std::memory_order_relaxed)) / 1e6;
  s.max_age_at_receipt_seconds = max_age_s_.load(std::memory_order_relaxed);
  return s;
}

std::string render_apply_delay(const ApplyDelayWatch::Snapshot& s, const std::string& labels) {
  const char* name = "galaxis_relay_apply_delay_seconds";
  std::string out = fmt::format(
      "# HELP {} source transactions from their receipt by the relay to their commit on the target\n# TYPE {} "
      "histogram\n",
      name, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < ApplyDelayWatch::kBounds.size(); ++i) {
    cumulative += s.buckets[i];
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, ApplyDelayWatch::kBounds[i], cumulative);
  }
  cumulative += s.buckets.back();
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, cumulative,
                     name, labels, s.sum_seconds, name, labels, s.count);
  out += fmt::format(
      "# HELP galaxis_relay_apply_delay_max_seconds largest receipt-to-commit time of a source transaction\n# TYPE "
      "galaxis_relay_apply_delay_max_seconds gauge\ngalaxis_relay_apply_delay_max_seconds{{{}}} {}\n",
      labels, s.max_seconds);
  out += fmt::format(
      "# HELP galaxis_relay_source_age_at_receipt_max_seconds largest age (master clock, 1 s resolution) of a source "
      "transaction when the relay received it\n# TYPE galaxis_relay_source_age_at_receipt_max_seconds gauge\n"
      "galaxis_relay_source_age_at_receipt_max_seconds{{{}}} {}\n",
      labels, s.max_age_at_receipt_seconds);
  return out;
}

}  // namespace galaxis::relay
