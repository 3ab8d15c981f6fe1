#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

// QUERY body: thread 4, exec 4, db len 1, error 2, status len 2, status, db, NUL, query.
Bytes query_body(const Bytes& status, std::string_view db, std::string_view sql, uint16_t error = 0) {
  Bytes b;
  put_le(b, 358, 4);
  put_le(b, 1, 4);
  b.push_back(static_cast<uint8_t>(db.size()));
  put_le(b, error, 2);
  put_le(b, status.size(), 2);
  b.insert(b.end(), status.begin(), status.end());
  put_str(b, db);
  b.push_back(0);
  put_str(b, sql);
  return b;
}

Decoder mysql_decoder() {
  Decoder d(DecoderOptions{.source_name = "binlog.000001"});
  d.decode(make_fde(), 4);
  return d;
}

// The MariaDB documentation's example event (TRUNCATE TABLE t4 with default
// db "test"), byte for byte including its CRC32.
TEST(QueryEvent, MariaDbDocumentationExample) {
  const Bytes ev = {0xce, 0x22, 0x28, 0x5a, 0x02, 0x8c, 0x27, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0x87,
                    0x0c, 0x00, 0x00, 0x00, 0x00, 0x66, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
                    0x00, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x50,
                    0x00, 0x00, 0x00, 0x00, 0x06, 0x03, 0x73, 0x74, 0x64, 0x04, 0x08, 0x00, 0x08, 0x00,
                    0x08, 0x00, 0x74, 0x65, 0x73, 0x74, 0x00, 0x54, 0x52, 0x55, 0x4e, 0x43, 0x41, 0x54,
                    0x45, 0x20, 0x54, 0x41, 0x42, 0x4c, 0x45, 0x20, 0x74, 0x34, 0x08, 0xf1, 0x09, 0x16};
  Decoder d;
  d.decode(make_event(15, make_fde_body("10.2.10-MariaDB-log", 1, 165)), 4);
  Event e = d.decode(ev, 3140);
  EXPECT_EQ(e.header.server_id, 10124u);
  EXPECT_EQ(e.header.next_position, 3207u);
  const auto* q = e.as<QueryEvent>();
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->thread_id, 358u);
  EXPECT_EQ(q->exec_time, 1u);
  EXPECT_EQ(q->database, "test");
  EXPECT_EQ(q->query, "TRUNCATE TABLE t4");
  EXPECT_EQ(q->flags2, 0u);
  EXPECT_EQ(q->sql_mode, 0x50000000u);
  EXPECT_EQ(q->catalog, "std");
  ASSERT_TRUE(q->charset.has_value());
  EXPECT_EQ((*q->charset)[0], 8);
  EXPECT_EQ((*q->charset)[1], 8);
  EXPECT_EQ((*q->charset)[2], 8);
  EXPECT_TRUE(q->status_vars_complete);
}

TEST(QueryEvent, AllKnownStatusVariables) {
  Bytes s;
  s.push_back(0), put_le(s, 0x04000000, 4);                                                      // FLAGS2: no FK checks
  s.push_back(1), put_le(s, 0x1234567890ull, 8);                                                 // SQL_MODE
  s.push_back(3), put_le(s, 2, 2), put_le(s, 1, 2);                                              // AUTO_INCREMENT
  s.push_back(4), put_le(s, 33, 2), put_le(s, 45, 2), put_le(s, 255, 2);                         // CHARSET
  s.push_back(5), s.push_back(6), put_str(s, "+00:00");                                          // TIME_ZONE
  s.push_back(6), s.push_back(3), put_str(s, "std");                                             // CATALOG_NZ
  s.push_back(7), put_le(s, 2, 2);                                                               // LC_TIME_NAMES
  s.push_back(8), put_le(s, 224, 2);                                                             // CHARSET_DATABASE
  s.push_back(9), put_le(s, 0xff, 8);                                                            // TABLE_MAP_FOR_UPDATE
  s.push_back(10), put_le(s, 99, 4);                                                             // MASTER_DATA_WRITTEN
  s.push_back(11), s.push_back(4), put_str(s, "root"), s.push_back(9), put_str(s, "localhost");  // INVOKER
  s.push_back(12), s.push_back(2), put_str(s, "db1"), s.push_back(0), put_str(s, "db2"), s.push_back(0);
  s.push_back(13), put_le(s, 123456, 3);  // MICROSECONDS
  s.push_back(14), s.push_back(15);       // COMMIT_TS, COMMIT_TS2 (no payload)
  s.push_back(16), s.push_back(1);        // EXPLICIT_DEFAULTS_FOR_TIMESTAMP
  s.push_back(17), put_le(s, 777, 8);     // DDL_LOGGED_WITH_XID
  s.push_back(18), put_le(s, 255, 2);     // DEFAULT_COLLATION_FOR_UTF8MB4
  s.push_back(19), s.push_back(1);        // SQL_REQUIRE_PRIMARY_KEY
  s.push_back(20), s.push_back(0);        // DEFAULT_TABLE_ENCRYPTION
  Decoder d = mysql_decoder();
  const auto q_body =
      decode_as<QueryEvent>(d, make_event(2, query_body(s, "shop", "CREATE TABLE t (a INT)"), true, 300), 300);
  const auto* q = &q_body;
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->status_vars_complete);
  EXPECT_EQ(q->flags2, 0x04000000u);
  EXPECT_EQ(q->sql_mode, 0x1234567890ull);
  EXPECT_EQ(q->auto_increment, (std::array<uint16_t, 2>{2, 1}));
  EXPECT_EQ(q->charset, (std::array<uint16_t, 3>{33, 45, 255}));
  EXPECT_EQ(q->time_zone, "+00:00");
  EXPECT_EQ(q->catalog, "std");
  EXPECT_EQ(q->lc_time_names, 2);
  EXPECT_EQ(q->charset_database, 224);
  EXPECT_EQ(q->table_map_for_update, 0xffu);
  EXPECT_EQ(q->invoker_user, "root");
  EXPECT_EQ(q->invoker_host, "localhost");
  EXPECT_EQ(q->updated_db_names, (std::vector<std::string>{"db1", "db2"}));
  EXPECT_EQ(q->microseconds, 123456u);
  EXPECT_EQ(q->explicit_defaults_ts, 1u);
  EXPECT_EQ(q->ddl_xid, 777u);
  EXPECT_EQ(q->default_collation_for_utf8mb4, 255);
  EXPECT_EQ(q->sql_require_primary_key, 1);
  EXPECT_EQ(q->default_table_encryption, 0);
  EXPECT_EQ(q->database, "shop");
  EXPECT_EQ(q->query, "CREATE TABLE t (a INT)");
}

TEST(QueryEvent, MariaDbStatusVariables) {
  Bytes s;
  s.push_back(128), put_le(s, 654321, 3);             // HRNOW
  s.push_back(129), put_le(s, 42, 8);                 // XID
  s.push_back(130), s.push_back(4), put_le(s, 9, 8);  // GTID_FLAGS3 with COMMIT_ALTER: + seq_no
  s.push_back(131), s.push_back(2), put_le(s, 0x00210021, 4), put_le(s, 0x002d002d, 4);  // CHARACTER_SET_COLLATIONS
  s.push_back(4), put_le(s, 8, 2), put_le(s, 8, 2), put_le(s, 8, 2);
  Decoder d = mysql_decoder();
  const auto q_body = decode_as<QueryEvent>(d, make_event(2, query_body(s, "", "COMMIT"), true, 300), 300);
  const auto* q = &q_body;
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->status_vars_complete);
  EXPECT_EQ(q->microseconds, 654321u);
  EXPECT_EQ(q->xid, 42u);
  EXPECT_EQ(q->charset, (std::array<uint16_t, 3>{8, 8, 8}));
  EXPECT_EQ(q->query, "COMMIT");
}

TEST(QueryEvent, UnknownStatusCodeSkipsRestOfBlock) {
  Bytes s;
  s.push_back(0), put_le(s, 0x4000, 4);
  s.push_back(99), put_str(s, "whatever bytes");  // unknown code: rest unparseable
  Decoder d = mysql_decoder();
  const auto q_body = decode_as<QueryEvent>(d, make_event(2, query_body(s, "db", "BEGIN"), true, 300), 300);
  const auto* q = &q_body;
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->status_vars_complete);
  EXPECT_EQ(q->flags2, 0x4000u);
  EXPECT_EQ(q->database, "db");
  EXPECT_EQ(q->query, "BEGIN");
}

TEST(QueryEvent, LengthsPastTheEndAreCorrupt) {
  Decoder d = mysql_decoder();
  // Status block length larger than the body.
  Bytes b = query_body({}, "db", "BEGIN");
  b[11] = 0xff, b[12] = 0x7f;
  try {
    d.decode(make_event(2, b, true, 500), 500);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    const std::string what = e.what();
    EXPECT_NE(what.find("binlog.000001: query event (type 2) at offset 500"), std::string::npos) << what;
    EXPECT_NE(what.find("status variables at offset 532"), std::string::npos) << what;
  }
  // Database length past the end.
  Bytes c = query_body({}, "", "");
  c[8] = 200;
  EXPECT_THROW(d.decode(make_event(2, c, true, 500), 500), Error);
  // A status variable whose value runs past the block.
  Bytes s = {5, 50, 'U', 'T', 'C'};
  EXPECT_THROW(d.decode(make_event(2, query_body(s, "", "x"), true, 500), 500), Error);
  // Truncated post-header.
  EXPECT_THROW(d.decode(make_event(2, Bytes(7, 0), true, 500), 500), Error);
}

}  // namespace
}  // namespace galaxis::binlog
