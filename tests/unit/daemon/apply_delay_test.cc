// ApplyDelayWatch: the receipt -> target commit histogram of /metrics (issue 15).
#include "galaxis/relay/apply_delay.h"

#include <gtest/gtest.h>

#include "galaxis/relay/metrics.h"

namespace galaxis::relay {
namespace {

using namespace std::chrono_literals;

ApplyDelayWatch::Sample at(ApplyDelayWatch::Clock::time_point received, uint32_t source_ts, int64_t receipt_s) {
  ApplyDelayWatch::Sample s;
  s.received = received;
  s.handed = received + 1ms;
  s.source_timestamp = source_ts;
  s.receipt_unix_s = receipt_s;
  return s;
}

TEST(ApplyDelayWatch, CountsEachTransactionInItsBucketAndKeepsTheLargest) {
  ApplyDelayWatch watch;
  const auto t0 = ApplyDelayWatch::Clock::now();
  watch.record(at(t0, 100, 100), t0 + 3ms, "binlog.000001:4");     // <= 0.005
  watch.record(at(t0, 100, 100), t0 + 80ms, "binlog.000001:4");    // <= 0.1
  watch.record(at(t0, 100, 103), t0 + 4200ms, "binlog.000001:4");  // <= 5, 3 s old at receipt
  watch.record(at(t0, 0, 100), t0 + 7s, "binlog.000001:4");        // +Inf; no source time: age 0
  const ApplyDelayWatch::Snapshot s = watch.snapshot();
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.buckets[0], 1u);
  EXPECT_EQ(s.buckets[4], 1u);  // 0.1
  EXPECT_EQ(s.buckets[9], 1u);  // 5
  EXPECT_EQ(s.buckets[10], 1u);
  EXPECT_NEAR(s.max_seconds, 7.0, 1e-3);
  EXPECT_NEAR(s.sum_seconds, 0.003 + 0.080 + 4.2 + 7.0, 1e-3);
  EXPECT_EQ(s.max_age_at_receipt_seconds, 3);
}

TEST(ApplyDelayWatch, PrometheusHistogramIsCumulativeAndInTheMetricsPage) {
  ApplyDelayWatch watch;
  const auto t0 = ApplyDelayWatch::Clock::now();
  watch.record(at(t0, 1, 1), t0 + 20ms, "x");
  watch.record(at(t0, 1, 1), t0 + 300ms, "x");
  MetricsSnapshot snapshot;
  snapshot.apply_delay = watch.snapshot();
  const std::string text = render_prometheus(snapshot, "default");
  EXPECT_NE(text.find("# TYPE galaxis_relay_apply_delay_seconds histogram"), std::string::npos) << text;
  EXPECT_NE(text.find("galaxis_relay_apply_delay_seconds_bucket{stream=\"default\",le=\"0.01\"} 0"), std::string::npos);
  EXPECT_NE(text.find("galaxis_relay_apply_delay_seconds_bucket{stream=\"default\",le=\"0.025\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("galaxis_relay_apply_delay_seconds_bucket{stream=\"default\",le=\"0.5\"} 2"), std::string::npos);
  EXPECT_NE(text.find("galaxis_relay_apply_delay_seconds_bucket{stream=\"default\",le=\"+Inf\"} 2"), std::string::npos);
  EXPECT_NE(text.find("galaxis_relay_apply_delay_seconds_count{stream=\"default\"} 2"), std::string::npos);
  // Nothing recorded: no histogram (a relay that has applied nothing yet).
  EXPECT_EQ(render_prometheus(MetricsSnapshot{}, "default").find("apply_delay"), std::string::npos);
}

}  // namespace
}  // namespace galaxis::relay
