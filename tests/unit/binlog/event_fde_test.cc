#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

TEST(FormatDescription, MySql80WithCrc32) {
  Decoder d;
  Event e = d.decode(make_fde(true, "8.0.40-debug"), 4);
  const auto* f = e.as<FormatDescriptionEvent>();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->binlog_version, 4);
  EXPECT_EQ(f->server_version, "8.0.40-debug");
  EXPECT_FALSE(f->is_mariadb());
  EXPECT_EQ(f->header_length, 19);
  EXPECT_EQ(f->checksum, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(f->post_header_lengths.size(), 41u);
  EXPECT_EQ(f->post_header_length(2), 13);
  EXPECT_EQ(f->post_header_length(30), 10);
  EXPECT_EQ(f->post_header_length(200), 0);
  EXPECT_TRUE(d.has_format());
  EXPECT_EQ(d.checksum_length(), 4u);
}

TEST(FormatDescription, MariaDbListsItsOwnTypes) {
  Decoder d;
  d.decode(make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171)), 4);
  EXPECT_TRUE(d.format().is_mariadb());
  EXPECT_EQ(d.format().post_header_lengths.size(), 171u);
  EXPECT_EQ(d.format().post_header_length(169), 10);
}

TEST(FormatDescription, Pre561HasNoAlgorithmByte) {
  // MySQL 5.5: no algorithm byte and no trailer; every byte is a length.
  Bytes body = make_fde_body("5.5.27-log", 0, 27);
  body.pop_back();  // no algorithm byte
  Decoder d;
  d.decode(make_event(15, body, /*checksum=*/false), 4);
  EXPECT_EQ(d.format().checksum, ChecksumAlgorithm::kOff);
  EXPECT_EQ(d.format().post_header_lengths.size(), 27u);
  EXPECT_EQ(d.checksum_length(), 0u);
}

TEST(FormatDescription, ChecksumOffStillHasTheTrailerBytes) {
  Bytes body = make_fde_body("5.7.30-log", 0, 38);
  put_le(body, 0, 4);  // unused checksum field
  Decoder d;
  d.decode(make_event(15, body, false), 4);
  EXPECT_EQ(d.format().checksum, ChecksumAlgorithm::kOff);
  EXPECT_EQ(d.format().post_header_lengths.size(), 38u);
}

TEST(FormatDescription, UnknownAlgorithmIsCorrupt) {
  Decoder d;
  EXPECT_THROW(d.decode(make_event(15, make_fde_body("8.0.40", 7)), 4), Error);
}

TEST(FormatDescription, TruncatedFdeIsCorrupt) {
  Bytes body = make_fde_body("8.0.40", 1);
  body.resize(30);
  Decoder d;
  try {
    d.decode(make_event(15, body, false), 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("offset 4"), std::string::npos) << e.what();
  }
}

TEST(FormatDescription, NewFdeClearsTablesAndSwitchesChecksum) {
  Decoder d;
  d.decode(make_fde(true), 4);
  EXPECT_EQ(d.checksum_length(), 4u);
  d.decode(make_fde(false), 200);
  EXPECT_EQ(d.checksum_length(), 0u);
}

TEST(FormatDescription, StartV3ForBinlogV3) {
  Bytes body;
  put_le(body, 3, 2);
  std::string v = "4.1.26-debug-log";
  v.resize(50, '\0');
  put_str(body, v);
  put_le(body, 0, 4);
  Decoder d;
  Event e = d.decode(make_event(1, body, false), 4);
  ASSERT_NE(e.as<FormatDescriptionEvent>(), nullptr);
  EXPECT_EQ(d.format().binlog_version, 3);
  EXPECT_EQ(d.format().post_header_length(2), 11);  // v3 QUERY: no status block
  // A v3 QUERY event decodes with the 11-byte post-header.
  Bytes q;
  put_le(q, 5, 4), put_le(q, 0, 4), q.push_back(4), put_le(q, 0, 2);
  put_str(q, "test"), q.push_back(0), put_str(q, "DROP TABLE t");
  const auto query_body = decode_as<QueryEvent>(d, make_event(2, q, false, 79), 79);
  const auto* query = &query_body;
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->database, "test");
  EXPECT_EQ(query->query, "DROP TABLE t");
}

TEST(FormatDescription, BinlogV1IsRefusedClearly) {
  // MySQL 3.23 / 4.0.0: 13-byte headers; the binlog version sits at byte 13.
  Bytes ev = {0, 0, 0, 0, 1, 1, 0, 0, 0, 69, 0, 0, 0, 1, 0};
  ev.resize(69, 0);
  Decoder d;
  try {
    d.decode(ev, 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("v1"), std::string::npos) << e.what();
  }
}

TEST(Decoder, EventsBeforeAnyFdeUseV4Defaults) {
  Decoder d;
  EXPECT_FALSE(d.has_format());
  Bytes body;
  put_le(body, 4, 8);
  put_str(body, "binlog.000002");
  const auto r_body = decode_as<RotateEvent>(d, make_event(4, body, false, 0), 0);
  const auto* r = &r_body;
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->position, 4u);
  EXPECT_EQ(r->next_file, "binlog.000002");
}

TEST(Decoder, UnknownTypeBeforeAnyFdeIsAnError) {
  Decoder d;
  EXPECT_THROW(d.decode(make_event(48, Bytes(10, 0), false), 4), Error);
}

TEST(Decoder, UnknownTypeAfterFdeIsOpaque) {
  Decoder d;
  d.decode(make_fde(), 4);
  Event e = d.decode(make_event(100, Bytes(10, 0xaa), true, 200), 200);  // Aurora padding
  ASSERT_NE(e.as<OpaqueEvent>(), nullptr);
  EXPECT_FALSE(e.as<OpaqueEvent>()->known_type);
  EXPECT_EQ(std::string(event_type_name(100)), "unknown_100");
  Event known = d.decode(make_event(36, Bytes(18, 0), true, 300), 300);  // TRANSACTION_CONTEXT
  EXPECT_TRUE(known.as<OpaqueEvent>()->known_type);
}

TEST(Decoder, FramingErrors) {
  Decoder d(DecoderOptions{.source_name = "f.bin"});
  d.decode(make_fde(), 4);
  EXPECT_THROW(d.decode(Bytes(10, 0), 100), Error);  // shorter than a header
  Bytes xid;
  put_le(xid, 1, 8);
  Bytes ev = make_event(16, xid, true, 100);
  Bytes longer = ev;
  longer.push_back(0);  // event_size disagrees with the span
  try {
    d.decode(longer, 100);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f.bin: xid event (type 16) at offset 100"), std::string::npos) << e.what();
  }
  // A header that only fits the checksum: body too short for an XID.
  Bytes tiny = make_event(16, {}, true, 100);
  EXPECT_THROW(d.decode(tiny, 100), Error);
}

}  // namespace
}  // namespace galaxis::binlog
