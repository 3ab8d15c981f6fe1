// ROTATE, XID, XA_PREPARE, HEARTBEAT v1/v2, INCIDENT, STOP, INTVAR, RAND,
// USER_VAR, ANNOTATE_ROWS, ROWS_QUERY, START_ENCRYPTION.
#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

Decoder mysql_decoder() {
  Decoder d(DecoderOptions{.source_name = "binlog.000009"});
  d.decode(make_fde(), 4);
  return d;
}

TEST(RotateEvent, PositionAndFile) {
  Bytes b;
  put_le(b, 4, 8);
  put_str(b, "binlog.000010");
  Decoder d = mysql_decoder();
  const auto r = decode_as<RotateEvent>(d, make_event(4, b, true, 900), 900);
  EXPECT_EQ(r.position, 4u);
  EXPECT_EQ(r.next_file, "binlog.000010");
  EXPECT_THROW(d.decode(make_event(4, Bytes(5, 0), true, 900), 900), Error);
}

TEST(XidEvent, ValueAndTruncation) {
  Decoder d = mysql_decoder();
  Bytes b;
  put_le(b, 0x1122334455667788ull, 8);
  EXPECT_EQ(decode_as<XidEvent>(d, make_event(16, b, true, 300), 300).xid, 0x1122334455667788ull);
  b.pop_back();
  try {
    d.decode(make_event(16, b, true, 300), 300);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("xid event (type 16) at offset 300: truncated xid at offset 319"),
              std::string::npos)
        << e.what();
  }
}

TEST(XaPrepareEvent, Fields) {
  Bytes b;
  b.push_back(0);
  put_le(b, 1, 4), put_le(b, 3, 4), put_le(b, 2, 4);
  put_str(b, "gtrbq");
  Decoder d = mysql_decoder();
  const auto x = decode_as<XaPrepareEvent>(d, make_event(38, b, true, 300), 300);
  EXPECT_FALSE(x.one_phase);
  EXPECT_EQ(x.format_id, 1);
  EXPECT_EQ(x.gtrid, "gtr");
  EXPECT_EQ(x.bqual, "bq");
  b[5] = 0xff;  // gtrid length 255 > 64
  EXPECT_THROW(d.decode(make_event(38, b, true, 300), 300), Error);
}

TEST(HeartbeatEvent, V1AndV2) {
  Decoder d = mysql_decoder();
  Bytes v1;
  put_str(v1, "binlog.000003");
  EXPECT_EQ(decode_as<HeartbeatEvent>(d, make_event(27, v1, true, 0), 0).log_file, "binlog.000003");
  Bytes v2;
  v2.push_back(1), v2.push_back(13), put_str(v2, "binlog.000041");              // OTW_HB_LOG_FILENAME_FIELD
  v2.push_back(2), v2.push_back(4), v2.push_back(0xfd), put_le(v2, 123456, 3);  // position: packed 0xfd + 3 bytes
  v2.push_back(0);                                                              // OTW_HB_HEADER_END_MARK
  const auto h = decode_as<HeartbeatEvent>(d, make_event(41, v2, true, 0), 0);
  EXPECT_EQ(h.log_file, "binlog.000041");
  EXPECT_EQ(h.log_position, 123456u);
  Bytes bad;
  bad.push_back(1), bad.push_back(200), put_str(bad, "short");  // field length past the end
  EXPECT_THROW(d.decode(make_event(41, bad, true, 0), 0), Error);
}

TEST(IncidentEvent, Fields) {
  Bytes b;
  put_le(b, 1, 2);
  b.push_back(11), put_str(b, "LOST_EVENTS");
  Decoder d = mysql_decoder();
  const auto i = decode_as<IncidentEvent>(d, make_event(26, b, true, 106), 106);
  EXPECT_EQ(i.incident, 1);
  EXPECT_EQ(i.message, "LOST_EVENTS");
  b[2] = 50;
  EXPECT_THROW(d.decode(make_event(26, b, true, 106), 106), Error);
}

TEST(SmallEvents, StopIntvarRand) {
  Decoder d = mysql_decoder();
  EXPECT_NE(d.decode(make_event(3, {}, true, 50), 50).as<StopEvent>(), nullptr);
  Bytes iv;
  iv.push_back(2), put_le(iv, 77, 8);
  const auto i = decode_as<IntvarEvent>(d, make_event(5, iv, true, 50), 50);
  EXPECT_EQ(i.kind, 2);
  EXPECT_EQ(i.value, 77u);
  Bytes r;
  put_le(r, 1, 8), put_le(r, 2, 8);
  const auto rand = decode_as<RandEvent>(d, make_event(13, r, true, 50), 50);
  EXPECT_EQ(rand.seed1, 1u);
  EXPECT_EQ(rand.seed2, 2u);
}

TEST(UserVarEvent, NullAndValue) {
  Decoder d = mysql_decoder();
  Bytes n;
  put_le(n, 1, 4), put_str(n, "a"), n.push_back(1);
  const auto null_var = decode_as<UserVarEvent>(d, make_event(14, n, true, 60), 60);
  EXPECT_EQ(null_var.name, "a");
  EXPECT_TRUE(null_var.is_null);
  Bytes v;
  put_le(v, 3, 4), put_str(v, "foo"), v.push_back(0), v.push_back(2), put_le(v, 63, 4), put_le(v, 8, 4);
  put_le(v, 0xffffffffffffffffull, 8), v.push_back(1);
  const auto var = decode_as<UserVarEvent>(d, make_event(14, v, true, 60), 60);
  EXPECT_FALSE(var.is_null);
  EXPECT_EQ(var.value_type, 2);
  EXPECT_EQ(var.charset, 63u);
  EXPECT_EQ(var.value.size(), 8u);
  EXPECT_TRUE(var.is_unsigned);
  v[0] = 0xff, v[3] = 0x7f;  // name length past the end
  EXPECT_THROW(d.decode(make_event(14, v, true, 60), 60), Error);
}

TEST(StatementEvents, AnnotateRowsAndRowsQuery) {
  Decoder d = mysql_decoder();
  Bytes a;
  put_str(a, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(decode_as<AnnotateRowsEvent>(d, make_event(160, a, true, 70), 70).query, "INSERT INTO t VALUES (1)");
  Bytes q;
  q.push_back(24), put_str(q, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(decode_as<RowsQueryEvent>(d, make_event(29, q, true, 70), 70).query, "INSERT INTO t VALUES (1)");
}

TEST(StartEncryption, FollowingEventsAreRefused) {
  Decoder d(DecoderOptions{.source_name = "mariadb-bin.000001"});
  d.decode(make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171)), 4);
  Bytes b;
  b.push_back(1), put_le(b, 5, 4);
  for (int i = 0; i < 12; ++i) b.push_back(static_cast<uint8_t>(i));
  const auto s = decode_as<StartEncryptionEvent>(d, make_event(164, b, true, 256), 256);
  EXPECT_EQ(s.scheme, 1);
  EXPECT_EQ(s.key_version, 5u);
  EXPECT_TRUE(d.encrypted());
  Bytes xid;
  put_le(xid, 1, 8);
  try {
    d.decode(make_event(16, xid, true, 296), 296);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    const std::string what = e.what();
    EXPECT_NE(what.find("encrypted binlog"), std::string::npos) << what;
    EXPECT_NE(what.find("offset 296"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace galaxis::binlog
