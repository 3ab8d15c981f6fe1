// The parts of `status` and `run` that need no database: the lowest
// parallel-apply worker row, the pending-event count, the binlog-history judgement behind
// the --initial default, and the HTTP GET of `status --health-url` against
// a real HealthServer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/relay/binlog_history.h"
#include "galaxis/relay/health_server.h"
#include "galaxis/relay/http_client.h"
#include "galaxis/relay/status.h"

namespace galaxis::relay {
namespace {

TEST(WorkerRows, MinimumIsByFileIndexThenOffset) {
  const std::vector<WorkerCheckpoint> workers = {{"s#1/3", {"binlog.000010", 50, ""}},
                                                 {"s#2/3", {"binlog.000009", 9000, "g2"}},
                                                 {"s#3/3", {"binlog.000010", 4, ""}}};
  const auto lowest = min_worker_checkpoint(workers);
  ASSERT_TRUE(lowest);
  EXPECT_EQ(lowest->name, "s#2/3");
  EXPECT_EQ(lowest->position.gtid_executed, "g2");
  EXPECT_FALSE(min_worker_checkpoint({}));
}

TEST(Metrics, EventsPendingOnlyWhenThePipelineCountsThem) {
  RelayMetrics metrics;
  metrics.events_received = 100;  // 10 of them control events, 5 of a discarded transaction
  metrics.events_applied = 60;
  metrics.control_events_received = 10;
  metrics.events_discarded = 5;
  metrics.set_source_position({"binlog.000002", 900, ""});
  metrics.set_applied_position({"binlog.000002", 400, ""});
  EXPECT_FALSE(metrics.snapshot().events_pending);
  metrics.set_applied_position({"binlog.000002", 900, ""});  // all received is committed: exactly 0
  EXPECT_EQ(metrics.snapshot().events_pending, 0u);
  metrics.set_applied_position({"binlog.000002", 400, ""});
  metrics.counts_pending_events = true;
  EXPECT_EQ(metrics.snapshot().events_pending, 25u);
  const std::string text = render_prometheus(metrics.snapshot(), "s");
  EXPECT_NE(text.find("galaxis_relay_events_pending{stream=\"s\"} 25"), std::string::npos) << text;
  metrics.resyncs = 2;
  EXPECT_NE(render_prometheus(metrics.snapshot(), "s").find("galaxis_relay_resyncs_total{stream=\"s\"} 2"),
            std::string::npos);
}

TEST(StatusText, SaysWhyLagEventsIsUnknownAndShowsHealth) {
  StatusReport report;
  report.stream = "s";
  report.lag_events_reason = "the relay is not running";
  HealthProbe probe;
  probe.url = "http://127.0.0.1:1/health";
  probe.error = "health endpoint http://127.0.0.1:1/health unreachable: connecting failed: Connection refused";
  report.health = probe;
  const std::string text = render_status_text(report);
  EXPECT_NE(text.find("lag events:        unknown (the relay is not running)"), std::string::npos) << text;
  EXPECT_NE(text.find("health:            unreachable (health endpoint"), std::string::npos) << text;
  const auto json = nlohmann::json::parse(render_status_json(report));
  EXPECT_TRUE(json["lag"]["events"].is_null());
  EXPECT_EQ(json["lag_events_reason"], "the relay is not running");
  EXPECT_TRUE(json["health"]["http_status"].is_null());
  report.lag_events = 7;
  EXPECT_EQ(nlohmann::json::parse(render_status_json(report))["lag"]["events"], 7);
}

TEST(BinlogHistory, MariaDbJudgesByTheOldestGtidList) {
  BinlogHistoryFacts facts;
  facts.oldest_file = "mysql-bin.000007";
  EXPECT_TRUE(judge_binlog_history(facts).complete);  // purged files held no transaction
  facts.gtid_list_of_oldest = "0-1-42";
  const BinlogHistory history = judge_binlog_history(facts);
  EXPECT_FALSE(history.complete);
  EXPECT_NE(history.reason.find("0-1-42"), std::string::npos) << history.reason;
  EXPECT_NE(history.reason.find("mysql-bin.000007"), std::string::npos) << history.reason;
}

TEST(BinlogHistory, MySqlJudgesByGtidPurgedOrTheFirstFile) {
  BinlogHistoryFacts facts;
  facts.mariadb = false;
  facts.gtid_mode_on = true;
  facts.oldest_file = "binlog.000009";
  EXPECT_TRUE(judge_binlog_history(facts).complete);
  facts.gtid_purged = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5";
  EXPECT_FALSE(judge_binlog_history(facts).complete);
  facts.gtid_mode_on = false;
  facts.gtid_purged.clear();
  EXPECT_FALSE(judge_binlog_history(facts).complete);
  facts.oldest_file = "binlog.000001";
  EXPECT_TRUE(judge_binlog_history(facts).complete);
  facts.oldest_file.clear();  // binlog off: the stream will say so
  EXPECT_TRUE(judge_binlog_history(facts).complete);
}

TEST(HttpGet, ReadsARealHealthEndpointAndFailsClearlyWhenNothingListens) {
  RelayMetrics metrics;
  metrics.set_state(RelayState::kStreaming);
  auto owned = std::make_unique<HealthServer>(parse_listen_address("127.0.0.1:0"), metrics, HealthOptions{});
  HealthServer& server = *owned;
  server.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/health";
  const HttpResult result = http_get(url);
  EXPECT_EQ(result.status, 200u);
  EXPECT_EQ(nlohmann::json::parse(result.body)["state"], "streaming");
  const HealthProbe probe = probe_health(url);
  EXPECT_EQ(probe.state, "streaming");
  EXPECT_EQ(probe.error, "");
  EXPECT_EQ(http_get("http://127.0.0.1:" + std::to_string(server.port()) + "/nope").status, 404u);
  const uint16_t port = server.port();
  server.stop();
  owned.reset();
  const HealthProbe gone = probe_health("http://127.0.0.1:" + std::to_string(port) + "/health");
  EXPECT_EQ(gone.http_status, 0u);
  EXPECT_NE(gone.error.find("unreachable"), std::string::npos) << gone.error;
  EXPECT_NE(gone.error.find(std::to_string(port)), std::string::npos) << gone.error;
  EXPECT_THROW(http_get("https://127.0.0.1:1/"), Error);
  EXPECT_THROW(http_get("http://127.0.0.1:99999/"), Error);
}

}  // namespace
}  // namespace galaxis::relay
