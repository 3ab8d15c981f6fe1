// gtid_covered(): whether the promotion's GTID state already holds a
// transaction read from the old active's binlog after the promotion
// position (then it is not errant). MariaDB states are per-domain last
// sequence numbers, MySQL states are sets (with 8.3+ tags).
#include "galaxis/relay/errant.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"

namespace galaxis::relay {
namespace {

constexpr const char* kUuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

TEST(ErrantGtid, MariaDbPositionsPerDomain) {
  EXPECT_TRUE(gtid_covered("0-1-14", "0-1-14"));
  EXPECT_TRUE(gtid_covered("0-1-14", "0-1-3"));
  EXPECT_FALSE(gtid_covered("0-1-14", "0-1-15"));
  EXPECT_TRUE(gtid_covered("0-1-14,1-7-100", "1-9-99")) << "domain 1 is at 100 whatever the server id";
  EXPECT_FALSE(gtid_covered("0-1-14, 1-7-100", "2-1-1")) << "a domain the promotion never saw";
}

TEST(ErrantGtid, MysqlSetsWithTags) {
  const std::string state = std::string(kUuid) + ":1-20:25," + kUuid + ":blue:1-3";
  EXPECT_TRUE(gtid_covered(state, std::string(kUuid) + ":20"));
  EXPECT_FALSE(gtid_covered(state, std::string(kUuid) + ":21"));
  EXPECT_TRUE(gtid_covered(state, std::string(kUuid) + ":25"));
  EXPECT_TRUE(gtid_covered(state, std::string(kUuid) + ":blue:3"));
  EXPECT_FALSE(gtid_covered(state, std::string(kUuid) + ":blue:4"));
  EXPECT_FALSE(gtid_covered(state, "aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1"));
}

TEST(ErrantGtid, NoGtidsMeansNothingCovered) {
  EXPECT_FALSE(gtid_covered("", "0-1-1"));
  EXPECT_FALSE(gtid_covered("0-1-14", ""));
  EXPECT_THROW(gtid_covered("not a set", std::string(kUuid) + ":1"), Error);
}

}  // namespace
}  // namespace galaxis::relay
