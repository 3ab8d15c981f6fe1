// promote's drain rules (drain_rule.h) as pure functions: GTID containment
// per flavour, and file:pos where only rotation/header events separate the
// applied position from the master's final one.
#include "galaxis/relay/drain_rule.h"

#include <gtest/gtest.h>

namespace galaxis::relay {
namespace {

constexpr const char* kUuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
constexpr const char* kUuidB = "4e11fa47-71ca-11e1-9e33-c80aa9429562";

std::string a(const std::string& intervals) { return std::string(kUuidA) + ":" + intervals; }

TEST(DrainRuleGtid, MysqlContainment) {
  EXPECT_TRUE(gtid_drained(a("1-100"), a("1-100")).drained);
  EXPECT_TRUE(gtid_drained(a("1-120"), a("1-100")).drained);  // the relay's own view may be ahead of a read
  EXPECT_FALSE(gtid_drained(a("1-99"), a("1-100")).drained);
  // A hole in the applied set is not containment, even with a higher end.
  EXPECT_FALSE(gtid_drained(a("1-50:52-100"), a("1-100")).drained);
  // A second uuid on the master must be there too; extra uuids on the applied side do not matter.
  const std::string two = a("1-100") + "," + kUuidB + ":1-3";
  EXPECT_FALSE(gtid_drained(a("1-100"), two).drained);
  EXPECT_TRUE(gtid_drained(two, a("1-100")).drained);
  EXPECT_TRUE(gtid_drained(two, two).drained);
  // Tags are distinct GTIDs.
  EXPECT_FALSE(gtid_drained(a("1-100"), a("1-100:t1:1")).drained);
  EXPECT_TRUE(gtid_drained(a("1-100:t1:1-2"), a("1-100:t1:1")).drained);
  // SHOW BINARY LOG STATUS wraps long sets with newlines.
  EXPECT_TRUE(gtid_drained(two, a("1-100") + ",\n" + kUuidB + ":1-3").drained);
  const DrainRuleResult r = gtid_drained(a("1-99"), a("1-100"));
  EXPECT_TRUE(r.applies);
  EXPECT_EQ(r.detail, "applied GTID set " + a("1-99") + " does not contain the master's " + a("1-100"));
}

TEST(DrainRuleGtid, MariadbPerDomain) {
  EXPECT_TRUE(gtid_drained("0-1-100", "0-1-100").drained);
  EXPECT_TRUE(gtid_drained("0-2-101", "0-1-100").drained);  // a later server in the same domain
  EXPECT_FALSE(gtid_drained("0-1-99", "0-1-100").drained);
  EXPECT_FALSE(gtid_drained("0-1-100", "0-1-100,1-1-7").drained);
  EXPECT_TRUE(gtid_drained("1-1-7,0-1-100", "0-1-100,1-1-7").drained);
  const DrainRuleResult r = gtid_drained("0-1-100,1-1-6", "0-1-100,1-1-7,2-1-1");
  EXPECT_FALSE(r.drained);
  EXPECT_EQ(r.detail,
            "applied GTIDs 0-1-100,1-1-6 behind the master's 0-1-100,1-1-7,2-1-1: domain 1: applied 6 < master 7; "
            "domain 2: none applied, master at 1");
}

TEST(DrainRuleGtid, NotApplicableOrUnknown) {
  EXPECT_FALSE(gtid_drained("0-1-5", "").applies);  // MySQL gtid_mode=OFF: position decides
  EXPECT_TRUE(gtid_drained("", "0-1-5").applies);
  EXPECT_FALSE(gtid_drained("", "0-1-5").drained);
  EXPECT_FALSE(gtid_drained("0-1-5", a("1-5")).drained);  // other flavour's form
  EXPECT_FALSE(gtid_drained("junk", "0-1-5").drained);
  EXPECT_FALSE(gtid_drained("x:1", a("1-5")).drained);
}

// MySQL after FLUSH BINARY LOGS: the last transaction ends at 1000 in
// binlog.000007; Rotate; binlog.000008 holds Format_desc and Previous_gtids.
std::vector<BinlogEventRow> mysql_rotation() {
  return {{"binlog.000007", 1000, "Rotate", 1047},
          {"binlog.000008", 4, "Format_desc", 127},
          {"binlog.000008", 127, "Previous_gtids", 198}};
}

TEST(DrainRulePosition, ReachedWithoutEvents) {
  EXPECT_TRUE(position_drained({"binlog.000007", 1000, ""}, {"binlog.000007", 1000, ""}, {}).drained);
  EXPECT_TRUE(position_drained({"binlog.000008", 4, ""}, {"binlog.000007", 1000, ""}, {}).drained);
  EXPECT_FALSE(position_drained({"binlog.000007", 999, ""}, {"binlog.000007", 1000, ""}, {}).drained);
}

TEST(DrainRulePosition, RotationAfterTheLastTransactionIsDrained) {
  const binlog::BinlogPosition applied{"binlog.000007", 1000, ""};
  const DrainRuleResult r = position_drained(applied, {"binlog.000008", 198, ""}, mysql_rotation());
  EXPECT_TRUE(r.drained) << r.detail;
  EXPECT_EQ(r.detail, "only 3 rotation/header events between applied binlog.000007:1000 and final binlog.000008:198");
  // Two rotations (MariaDB: Gtid_list and Binlog_checkpoint in each new file).
  const std::vector<BinlogEventRow> maria = {
      {"mariadb-bin.000003", 2000, "Rotate", 2045},  {"mariadb-bin.000004", 4, "Format_desc", 256},
      {"mariadb-bin.000004", 256, "Gtid_list", 299}, {"mariadb-bin.000004", 299, "Binlog_checkpoint", 347},
      {"mariadb-bin.000004", 347, "Rotate", 392},    {"mariadb-bin.000005", 4, "Format_desc", 256},
      {"mariadb-bin.000005", 256, "Gtid_list", 299}, {"mariadb-bin.000005", 299, "Binlog_checkpoint", 347}};
  EXPECT_TRUE(position_drained({"mariadb-bin.000003", 2000, ""}, {"mariadb-bin.000005", 347, ""}, maria).drained);
  // Events past the final position (writes after it: no fence) do not matter.
  auto more = mysql_rotation();
  more.push_back({"binlog.000008", 198, "Gtid", 275});
  more.push_back({"binlog.000008", 275, "Query", 350});
  EXPECT_TRUE(position_drained(applied, {"binlog.000008", 198, ""}, more).drained);
}

TEST(DrainRulePosition, ATransactionAfterTheAppliedPositionIsNotDrained) {
  // The relay stopped before the last transaction; then the log rotated.
  const std::vector<BinlogEventRow> events = {{"binlog.000007", 900, "Gtid", 979},
                                              {"binlog.000007", 979, "Query", 1000},
                                              {"binlog.000007", 1000, "Rotate", 1047},
                                              {"binlog.000008", 4, "Format_desc", 127},
                                              {"binlog.000008", 127, "Previous_gtids", 198}};
  const DrainRuleResult r = position_drained({"binlog.000007", 900, ""}, {"binlog.000008", 198, ""}, events);
  EXPECT_FALSE(r.drained);
  EXPECT_EQ(r.detail, "Gtid event at binlog.000007:900 between applied binlog.000007:900 and final binlog.000008:198");
  // A transaction in the new file before the final position.
  auto later = mysql_rotation();
  later.push_back({"binlog.000008", 198, "Gtid", 275});
  EXPECT_FALSE(position_drained({"binlog.000007", 1000, ""}, {"binlog.000008", 275, ""}, later).drained);
}

TEST(DrainRulePosition, IncompleteListingsAreNotDrained) {
  const binlog::BinlogPosition applied{"binlog.000007", 1000, ""};
  const binlog::BinlogPosition final{"binlog.000008", 198, ""};
  auto events = mysql_rotation();
  // Nothing listed (the applied file was purged, or no privilege).
  EXPECT_FALSE(position_drained(applied, final, {}).drained);
  // Listing ends before the final offset.
  events.pop_back();
  EXPECT_EQ(position_drained(applied, final, events).detail,
            "the binlog listing ends at binlog.000008:127 before the final position binlog.000008:198");
  // A gap inside a file.
  events = mysql_rotation();
  events[2].pos = 130;
  EXPECT_FALSE(position_drained(applied, final, events).drained);
  // Next file without the Rotate of the applied one (a truncated listing).
  events = mysql_rotation();
  events.erase(events.begin());
  EXPECT_EQ(position_drained(applied, final, events).detail,
            "the listing of binlog.000007 stops at 1000 before its Rotate");
  // The listing starts elsewhere than the applied position.
  events = mysql_rotation();
  events[0].pos = 960;
  EXPECT_FALSE(position_drained(applied, final, events).drained);
  // Files listed out of order.
  events = mysql_rotation();
  for (auto& e : events) {
    if (e.file == "binlog.000008") e.file = "binlog.000006";
  }
  EXPECT_FALSE(position_drained(applied, {"binlog.000008", 198, ""}, events).drained);
}

TEST(DrainRulePosition, EventTypes) {
  for (const char* t :
       {"Format_desc", "Previous_gtids", "Rotate", "Gtid_list", "Binlog_checkpoint", "Stop", "Start_encryption"}) {
    EXPECT_TRUE(is_non_transaction_event(t)) << t;
  }
  for (const char* t : {"Gtid", "Anonymous_Gtid", "Query", "Xid", "Table_map", "Write_rows", "Write_rows_v1",
                        "Annotate_rows", "Incident", "User var", "Intvar", "XA_prepare"}) {
    EXPECT_FALSE(is_non_transaction_event(t)) << t;
  }
}

}  // namespace
}  // namespace galaxis::relay
