// handle_health_http: the pure part of --health-listen.
#include <gtest/gtest.h>

#include "galaxis/fsmirror/health.h"

namespace galaxis::fsmirror {
namespace {

constexpr int64_t kSecond = 1000000000;

TEST(MirrorHealth, HealthFollowsTheLastCompleteCycle) {
  MirrorStats stats;
  const int64_t now = 1000 * kSecond;
  HealthReply r = handle_health_http("GET", "/health", stats, 60, now);
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(r.body.find("no complete cycle yet"), std::string::npos) << r.body;
  stats.last_complete_ns = now - 10 * kSecond;
  stats.cycles = 3;
  r = handle_health_http("GET", "/health?x=1", stats, 60, now);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("\"status\":\"ok\""), std::string::npos) << r.body;
  r = handle_health_http("GET", "/health", stats, 5, now);
  EXPECT_EQ(r.status, 503u);
  EXPECT_NE(r.body.find("10.0 s old"), std::string::npos) << r.body;
}

TEST(MirrorHealth, MetricsAndErrors) {
  MirrorStats stats;
  stats.cycles = 7;
  stats.bytes_copied = 12345;
  stats.refused = 2;
  stats.last_complete_ns = 99 * kSecond;
  const HealthReply r = handle_health_http("GET", "/metrics", stats, 60, 100 * kSecond);
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("galaxis_mirror_cycles_total 7\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("galaxis_mirror_bytes_copied_total 12345\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("galaxis_mirror_refused_total 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("galaxis_mirror_last_complete_age_seconds 1\n"), std::string::npos) << r.body;
  EXPECT_EQ(handle_health_http("GET", "/other", stats, 60, 0).status, 404u);
  EXPECT_EQ(handle_health_http("POST", "/health", stats, 60, 0).status, 405u);
}

}  // namespace
}  // namespace galaxis::fsmirror
