#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

Decoder mysql97() {
  Decoder d(DecoderOptions{.source_name = "binlog.000001"});
  d.decode(make_fde(true, "9.7.4-2"), 4);
  return d;
}

// Events copied from mysql-9.7-live/binlog.000001; expected values are what
// Oracle's mysqlbinlog 9.7.4 printed for them (binlog.000001.mysqlbinlog.txt).
TEST(GtidEvent, MySql97Untagged) {
  const Bytes ev = from_hex(
      "6c7d076b210b0000004d000000eb0000000000012bd36008e93011f1b33402fc000000010100000000000000020000000000000000010000"
      "0000000000b36f9309236106b650620100768260c9");
  Decoder d = mysql97();
  const auto g = decode_as<GtidEvent>(d, ev, 158);
  EXPECT_FALSE(g.anonymous);
  EXPECT_EQ(g.to_string(), "2bd36008-e930-11f1-b334-02fc00000001:1");
  EXPECT_EQ(g.last_committed, 0);
  EXPECT_EQ(g.sequence_number, 1);
  EXPECT_EQ(g.original_commit_timestamp, 1795652972670899u);
  EXPECT_EQ(g.immediate_commit_timestamp, 1795652972670899u);
  EXPECT_EQ(g.transaction_length, 182u);
  EXPECT_EQ(g.original_server_version, 90704u);
  EXPECT_EQ(g.immediate_server_version, 90704u);
}

TEST(GtidEvent, MySql97Tagged) {
  const Bytes ev = from_hex(
      "6c7d076b2a0b000000510000007f0c00000000027400000002564d03c010a5036022c503cd026804f103000000020404060e7461675f6f6e"
      "6508080a1c0c7f209c93092361061041051283120b1d631185");
  Decoder d = mysql97();
  const auto g = decode_as<GtidEvent>(d, ev, 3118);
  EXPECT_EQ(g.tag, "tag_one");
  EXPECT_EQ(g.to_string(), "2bd36008-e930-11f1-b334-02fc00000001:tag_one:1");
  EXPECT_EQ(g.last_committed, 2);
  EXPECT_EQ(g.sequence_number, 7);
  EXPECT_EQ(g.original_commit_timestamp, 1795652972682272u);
  EXPECT_EQ(g.immediate_commit_timestamp, 1795652972682272u);
  EXPECT_EQ(g.transaction_length, 336u);
  EXPECT_EQ(g.original_server_version, 90704u);
  EXPECT_EQ(g.immediate_server_version, 90704u);
}

TEST(GtidEvent, TaggedMessageSizePastTheEndIsCorrupt) {
  Bytes ev = from_hex(
      "6c7d076b2a0b000000510000007f0c00000000027400000002564d03c010a5036022c503cd026804f103000000020404060e7461675f6f6e"
      "6508080a1c0c7f209c93092361061041051283120b1d631185");
  Decoder d(DecoderOptions{.verify_checksums = false});
  d.decode(make_fde(true, "9.7.4-2"), 4);
  ev[20] = 0xfc;  // message size: a 2-byte varlen far larger than the body (0x..fc>>2)
  ev[21] = 0xff;
  EXPECT_THROW(d.decode(ev, 3118), Error);
}

TEST(GtidEvent, OriginalTimestampAndVersionWhenTheyDiffer) {
  Bytes b;
  b.push_back(1);  // flags
  for (int i = 0; i < 16; ++i) b.push_back(static_cast<uint8_t>(0xa0 + i));
  put_le(b, 12345, 8);  // gno
  b.push_back(2);       // logical timestamp typecode
  put_le(b, 10, 8), put_le(b, 11, 8);
  put_le(b, 1000 | (uint64_t{1} << 55), 7);  // immediate, "original follows"
  put_le(b, 900, 7);                         // original
  b.push_back(0xfc), put_le(b, 300, 2);      // transaction length (packed)
  put_le(b, 80040 | (uint32_t{1} << 31), 4), put_le(b, 50744, 4);
  Decoder d = mysql97();
  const auto g = decode_as<GtidEvent>(d, make_event(33, b, true, 500), 500);
  EXPECT_EQ(g.flags, 1);
  EXPECT_EQ(g.to_string(), "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf:12345");
  EXPECT_EQ(g.immediate_commit_timestamp, 1000u);
  EXPECT_EQ(g.original_commit_timestamp, 900u);
  EXPECT_EQ(g.transaction_length, 300u);
  EXPECT_EQ(g.immediate_server_version, 80040u);
  EXPECT_EQ(g.original_server_version, 50744u);
}

TEST(GtidEvent, MySql56HasOnlyTheGtid) {
  Bytes b;
  b.push_back(0);
  for (int i = 0; i < 16; ++i) b.push_back(0);
  put_le(b, 7, 8);
  Decoder d = mysql97();
  const auto g = decode_as<GtidEvent>(d, make_event(34, b, true, 500), 500);
  EXPECT_TRUE(g.anonymous);
  EXPECT_FALSE(g.last_committed.has_value());
  EXPECT_EQ(g.gno, 7);
  b.resize(20);
  EXPECT_THROW(d.decode(make_event(33, b, true, 500), 500), Error);
}

TEST(PreviousGtids, UntaggedAndTagged) {
  Bytes b;
  put_le(b, 2, 8);
  for (int i = 0; i < 16; ++i) b.push_back(0x11);
  put_le(b, 2, 8), put_le(b, 1, 8), put_le(b, 6, 8), put_le(b, 7, 8), put_le(b, 8, 8);
  for (int i = 0; i < 16; ++i) b.push_back(0x22);
  put_le(b, 1, 8), put_le(b, 1, 8), put_le(b, 4, 8);
  Decoder d = mysql97();
  const auto p = decode_as<PreviousGtidsEvent>(d, make_event(35, b, true, 127), 127);
  EXPECT_EQ(p.to_string(), "11111111-1111-1111-1111-111111111111:1-5:7,22222222-2222-2222-2222-222222222222:1-3");

  Bytes t;
  put_le(t, (uint64_t{1} << 56) | (uint64_t{1} << 8) | 1, 8);  // tagged format, one sid
  for (int i = 0; i < 16; ++i) t.push_back(0x33);
  t.push_back(3 << 1), put_str(t, "abc");  // varlen tag length 3
  put_le(t, 1, 8), put_le(t, 1, 8), put_le(t, 3, 8);
  const auto pt = decode_as<PreviousGtidsEvent>(d, make_event(35, t, true, 127), 127);
  EXPECT_EQ(pt.to_string(), "33333333-3333-3333-3333-333333333333:abc:1-2");
}

TEST(PreviousGtids, HugeCountsAreCorruptNotAllocated) {
  Bytes b;
  put_le(b, uint64_t{1} << 40, 8);  // 2^40 sids in a 40-byte body
  for (int i = 0; i < 32; ++i) b.push_back(0);
  Decoder d = mysql97();
  EXPECT_THROW(d.decode(make_event(35, b, true, 127), 127), Error);
  Bytes c;
  put_le(c, 1, 8);
  for (int i = 0; i < 16; ++i) c.push_back(0);
  put_le(c, uint64_t{1} << 60, 8);  // intervals
  EXPECT_THROW(d.decode(make_event(35, c, true, 127), 127), Error);
}

// MariaDB events copied from mdev29078-mysql-bin.000001 (10.3.35).
TEST(MariaGtid, RealEvents) {
  Decoder d;
  d.decode(make_event(15, make_fde_body("10.3.35-MariaDB-debug-log", 1, 165)), 4);
  const auto list =
      decode_as<MariaGtidListEvent>(d, from_hex("9704dc62a3010000001d0000001d01000000000000000000004303badf"), 256);
  EXPECT_EQ(list.gtids.size(), 0u);
  const auto checkpoint = decode_as<MariaBinlogCheckpointEvent>(
      d, from_hex("9704dc62a1010000002c000000490100000000110000006d7973716c642d62696e2e30303030303111c5dded"), 285);
  EXPECT_EQ(checkpoint.file, "mysqld-bin.000001");
  Event e =
      d.decode(from_hex("a804dc62a2010000002a00000073010000080001000000000000000000000029000000000000089926ad"), 329);
  const auto* g = e.as<MariaGtidEvent>();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->sequence, 1u);
  EXPECT_EQ(g->domain_id, 0u);
  EXPECT_EQ(e.header.server_id, 1u);
  EXPECT_EQ(g->flags, 0x29);  // FL_STANDALONE | FL_ALLOW_PARALLEL | FL_DDL
  EXPECT_TRUE(g->standalone());
}

TEST(MariaGtid, FlagVariants) {
  Decoder d;
  d.decode(make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171)), 4);
  Bytes b;
  put_le(b, 100, 8), put_le(b, 2, 4), b.push_back(2 | 4), put_le(b, 555, 8);  // group commit id
  auto g = decode_as<MariaGtidEvent>(d, make_event(162, b, true, 400), 400);
  EXPECT_EQ(g.commit_id, 555u);
  EXPECT_EQ(g.domain_id, 2u);
  Bytes x;
  put_le(x, 5, 8), put_le(x, 0, 4), x.push_back(64);  // PREPARED_XA
  put_le(x, 1, 4), x.push_back(3), x.push_back(2), put_str(x, "abcde");
  x.push_back(1), x.push_back(2);  // flags_extra: multi-engine + extra engines
  g = decode_as<MariaGtidEvent>(d, make_event(162, x, true, 400), 400);
  EXPECT_EQ(g.xa_xid, "abcde");
  EXPECT_EQ(g.flags_extra, 1);
  x[17] = 200;  // gtrid length beyond XA's 64
  EXPECT_THROW(d.decode(make_event(162, x, true, 400), 400), Error);
}

TEST(MariaGtidList, EntriesAndBounds) {
  Decoder d;
  d.decode(make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171)), 4);
  Bytes b;
  put_le(b, 2, 4);
  put_le(b, 0, 4), put_le(b, 1, 4), put_le(b, 100, 8);
  put_le(b, 1, 4), put_le(b, 2, 4), put_le(b, 7, 8);
  const auto l = decode_as<MariaGtidListEvent>(d, make_event(163, b, true, 256), 256);
  ASSERT_EQ(l.gtids.size(), 2u);
  EXPECT_EQ(l.gtids[1].domain_id, 1u);
  EXPECT_EQ(l.gtids[1].server_id, 2u);
  EXPECT_EQ(l.gtids[1].sequence, 7u);
  b[0] = 0xff, b[1] = 0xff;  // count past the end
  EXPECT_THROW(d.decode(make_event(163, b, true, 256), 256), Error);
}

}  // namespace
}  // namespace galaxis::binlog
