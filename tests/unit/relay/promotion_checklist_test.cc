// The promotion checklist's decisions, without servers.
#include "galaxis/relay/promotion_checklist.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"

namespace galaxis::relay {
namespace {

const CheckItem& item(const Verdict& v, const std::string& name) {
  for (const CheckItem& i : v.items) {
    if (i.name == name) return i;
  }
  throw std::runtime_error("no item " + name);
}

// A caught-up pair with every optional gate given and passing.
ChecklistFacts healthy() {
  ChecklistFacts f;
  f.master_position = binlog::BinlogPosition{"binlog.000003", 1200, ""};
  f.applied_position = binlog::BinlogPosition{"binlog.000003", 1000, ""};
  f.lag_bytes = 200;
  f.lag_seconds = 1;
  f.relay_state = "streaming";
  f.mirror_age_seconds = 30;
  f.local_release_sha = f.peer_release_sha = std::string(40, 'a');
  return f;
}

TEST(PromotionChecklist, HealthyPairIsSafe) {
  const Verdict v = evaluate_checklist(healthy());
  EXPECT_TRUE(v.safe) << v.reason;
  EXPECT_EQ(verdict_line(v), "safe to promote: yes");
  EXPECT_EQ(item(v, "db position").detail, "applied binlog.000003:1000, master binlog.000003:1200 (200 bytes behind)");
  EXPECT_EQ(item(v, "files").state, CheckState::kPass);
  EXPECT_EQ(item(v, "veto hook").state, CheckState::kSkip);
}

TEST(PromotionChecklist, EachGateFailsWithItsNumber) {
  ChecklistFacts f = healthy();
  f.lag_seconds = 42;
  f.mirror_age_seconds = 1000;
  f.peer_release_sha = std::string(40, 'b');
  f.seconds_since_last_promotion = 600;
  f.veto_hooks.push_back({"exit 7", 7});
  f.last_error = "target: error 1062 (23000): Duplicate entry";
  f.relay_state = "failed";
  const Verdict v = evaluate_checklist(f);
  EXPECT_FALSE(v.safe);
  EXPECT_EQ(item(v, "lag").detail, "42 s > 10 s");
  EXPECT_EQ(item(v, "files").detail, "last complete mirror cycle 1000 s ago > 900 s");
  EXPECT_EQ(item(v, "code").state, CheckState::kFail);
  EXPECT_EQ(item(v, "recent promotion").state, CheckState::kFail);
  EXPECT_EQ(item(v, "veto hook").detail, "'exit 7' exit 7");
  EXPECT_EQ(item(v, "apply error").state, CheckState::kFail);
  EXPECT_EQ(v.reason.rfind("lag: 42 s > 10 s; apply error: ", 0), 0u) << v.reason;
  EXPECT_NE(render_checklist(v).find("[fail] recent promotion last 600 s ago < 3600 s"), std::string::npos);
}

// status/promote read the master's position, then the checkpoint: a busy
// relay can be past the position read (seen in bench/switchover).
TEST(PromotionChecklist, AppliedPastTheMasterPositionReadIsCaughtUp) {
  ChecklistFacts f = healthy();
  f.applied_position->offset = 1300;
  f.lag_bytes.reset();
  f.lag_seconds.reset();
  const Verdict v = evaluate_checklist(f);
  EXPECT_TRUE(v.safe) << v.reason;
  EXPECT_EQ(item(v, "db position").detail, "applied binlog.000003:1300, master binlog.000003:1200 (caught up)");
  f.applied_position->file = "binlog.000001";  // behind and purged: unknown
  EXPECT_FALSE(evaluate_checklist(f).safe);
}

TEST(PromotionChecklist, RecentPromotionAcknowledged) {
  ChecklistFacts f = healthy();
  f.seconds_since_last_promotion = 60;
  f.ack_recent_promotion = true;
  EXPECT_TRUE(evaluate_checklist(f).safe);
  f.ack_recent_promotion = false;
  f.block_hours = 0.01;  // 36 s
  EXPECT_TRUE(evaluate_checklist(f).safe);
}

TEST(PromotionChecklist, RoleAndWritable) {
  ChecklistFacts f = healthy();
  f.target_role = "active";
  f.target_read_only = true;
  Verdict v = evaluate_checklist(f);
  EXPECT_EQ(item(v, "role").state, CheckState::kFail);
  EXPECT_EQ(item(v, "writable").state, CheckState::kFail);
  f.admin_target = true;
  f.target_role = "passive";
  v = evaluate_checklist(f);
  EXPECT_TRUE(v.safe) << v.reason;
}

TEST(PromotionChecklist, DeadMasterNeedsEverythingReceivedApplied) {
  ChecklistFacts f;
  f.master_reachable = false;
  f.applied_position = binlog::BinlogPosition{"binlog.000003", 1000, ""};
  f.received_position = binlog::BinlogPosition{"binlog.000003", 1500, ""};
  f.events_pending = 4;
  f.relay_report_current = true;
  f.relay_state = "reconnecting";
  f.last_error = "source connection lost";
  Verdict v = evaluate_checklist(f);
  EXPECT_FALSE(v.safe);
  EXPECT_EQ(item(v, "db position").detail,
            "master unreachable; received binlog.000003:1500, applied binlog.000003:1000, 4 events pending");
  EXPECT_EQ(item(v, "lag").state, CheckState::kSkip);
  EXPECT_EQ(item(v, "apply error").state, CheckState::kPass);  // the source's error is expected
  f.applied_position->offset = 1500;
  f.events_pending = 0;
  EXPECT_TRUE(evaluate_checklist(f).safe) << evaluate_checklist(f).reason;
  f.relay_state = "streaming";  // a partition between promote and the master, not a dead master
  EXPECT_FALSE(evaluate_checklist(f).safe);
  f.relay_state = "reconnecting";
  f.relay_report_current = false;  // a relay that crashed: what it received is unknown
  EXPECT_FALSE(evaluate_checklist(f).safe);
}

TEST(PromotionChecklist, PositionsAcrossFiles) {
  EXPECT_TRUE(position_reached({"binlog.000010", 4, ""}, {"binlog.000009", 9000, ""}));
  EXPECT_FALSE(position_reached({"binlog.000009", 8999, ""}, {"binlog.000009", 9000, ""}));
  EXPECT_TRUE(position_reached({"binlog.000009", 9000, ""}, {"binlog.000009", 9000, ""}));
}

TEST(PromotionChecklist, ReleaseShaAndMirrorMarker) {
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(release_sha_from_name("releases/20261205T090102Z-" + sha), sha);
  EXPECT_EQ(release_sha_from_name("/srv/app/releases/20261205T090102Z-" + sha + "/"), sha);
  EXPECT_EQ(release_sha_from_name("releases/20261205T090102Z-xyz"), std::nullopt);
  EXPECT_EQ(mirror_completed_unix(R"({"sequence":3,"completed_unix":1764928800.5})"), 1764928800.5);
  EXPECT_THROW(mirror_completed_unix("{}"), Error);
  EXPECT_THROW(mirror_completed_unix("not json"), Error);
}

}  // namespace
}  // namespace galaxis::relay
