#include "galaxis/relay/gtid_set.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/relay/gtid_state.h"
#include "galaxis/relay/replication_commands.h"
#include "test_bytes.h"

namespace galaxis::relay {
namespace {

constexpr const char* kUuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

TEST(GtidSet, ParsesMergesAndPrints) {
  auto set = MysqlGtidSet::parse(std::string(kUuid) + ":1-5:7, " + kUuid + ":6");
  EXPECT_EQ(set.to_string(), std::string(kUuid) + ":1-7");
  auto upper = MysqlGtidSet::parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:3");
  EXPECT_EQ(upper.to_string(), std::string(kUuid) + ":3");
  EXPECT_TRUE(MysqlGtidSet::parse("").empty());
}

TEST(GtidSet, RejectsGarbage) {
  EXPECT_THROW(MysqlGtidSet::parse("nope:1"), Error);
  EXPECT_THROW(MysqlGtidSet::parse(std::string(kUuid) + ":5-3"), Error);
  EXPECT_THROW(MysqlGtidSet::parse(std::string(kUuid) + ":0"), Error);
  EXPECT_THROW(MysqlGtidSet::parse(std::string(kUuid)), Error);
  EXPECT_THROW(MysqlGtidSet::parse(std::string(kUuid) + ":1-x"), Error);
}

TEST(GtidSet, EncodesUntagged) {
  auto set = MysqlGtidSet::parse(std::string(kUuid) + ":1-5:7");
  const auto expected = test::hex(
      "0100000000000000"                   // one sid
      "3e11fa4771ca11e19e33c80aa9429562"   // uuid
      "0200000000000000"                   // two intervals
      "0100000000000000 0600000000000000"  // [1, 6)
      "0700000000000000 0800000000000000"  // [7, 8)
  );
  EXPECT_EQ(set.encode(), expected);
  EXPECT_EQ(MysqlGtidSet().encode(), test::hex("0000000000000000"));
}

TEST(GtidSet, EncodesTaggedFormat) {
  auto set = MysqlGtidSet::parse(std::string(kUuid) + ":1-2:blue:5");
  EXPECT_EQ(set.to_string(), std::string(kUuid) + ":1-2:blue:5");
  const auto expected = test::hex(
      "01 020000000000 01"                // format 1, two tsids, format 1
      "3e11fa4771ca11e19e33c80aa9429562"  // untagged first (empty tag sorts first)
      "00"                                // tag length 0 (varlen: length << 1)
      "0100000000000000 0100000000000000 0300000000000000"
      "3e11fa4771ca11e19e33c80aa9429562"
      "08 626c7565"  // tag "blue": length 4 << 1
      "0100000000000000 0500000000000000 0600000000000000");
  EXPECT_EQ(set.encode(), expected);
}

TEST(GtidSet, AddExtendsIntervals) {
  MysqlGtidSet set;
  const auto uuid = MysqlGtidSet::parse_uuid(kUuid);
  set.add(uuid, "", 1);
  set.add(uuid, "", 2);
  set.add(uuid, "", 4);
  set.add(uuid, "", 3);
  EXPECT_EQ(set.to_string(), std::string(kUuid) + ":1-4");
  EXPECT_TRUE(set.contains(uuid, "", 3));
  EXPECT_FALSE(set.contains(uuid, "", 5));
}

TEST(GtidState, MariaDbDomains) {
  GtidState state;
  state.reset("0-1-100,1-2-7");
  binlog::MariaGtidListEvent list;
  list.gtids = {{0, 1, 90}, {2, 3, 5}};
  state.on_gtid_list(list);
  EXPECT_EQ(state.to_string(), "0-1-100,1-2-7,2-3-5");
  binlog::Event gtid;
  gtid.header.server_id = 9;
  binlog::MariaGtidEvent body;
  body.domain_id = 1;
  body.sequence = 8;
  gtid.body = body;
  EXPECT_EQ(GtidState::gtid_of(gtid), "1-9-8");
  state.commit(gtid);
  EXPECT_EQ(state.to_string(), "0-1-100,1-9-8,2-3-5");
  EXPECT_THROW(state.reset("0-1"), Error);
}

TEST(ReplicationCommands, BinlogDumpLayout) {
  EXPECT_EQ(build_binlog_dump("binlog.000002", 1234, 0x01, 77),
            test::hex("12 d2040000 0100 4d000000 62696e6c6f672e303030303032"));
  EXPECT_THROW(build_binlog_dump("b", 1ull << 32, 0, 1), Error);
  const auto gtids = MysqlGtidSet().encode();
  EXPECT_EQ(build_binlog_dump_gtid("", 4, 0x01, 77, gtids),
            test::hex("1e 0500 4d000000 00000000 0400000000000000 08000000 0000000000000000"));
}

TEST(ReplicationCommands, RegisterSlaveLayout) {
  RegisterReplica r;
  r.server_id = 5;
  r.report_host = "h";
  r.report_port = 3306;
  EXPECT_EQ(build_register_slave(r), test::hex("15 05000000 01 68 00 00 ea0c 00000000 00000000"));
}

}  // namespace
}  // namespace galaxis::relay
