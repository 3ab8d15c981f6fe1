// MariaDB log_bin_compress: QUERY_COMPRESSED and *_ROWS_COMPRESSED.
#include <gtest/gtest.h>
#include <zlib.h>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

// MariaDB's compressed record: 0x80 | n, n-byte big-endian length, zlib data.
Bytes compressed_record(const Bytes& plain) {
  uLongf size = compressBound(plain.size());
  Bytes z(size);
  compress(z.data(), &size, plain.data(), plain.size());
  z.resize(size);
  Bytes out;
  out.push_back(0x80 | 2);
  out.push_back(static_cast<uint8_t>(plain.size() >> 8));
  out.push_back(static_cast<uint8_t>(plain.size()));
  out.insert(out.end(), z.begin(), z.end());
  return out;
}

Decoder maria_decoder() {
  Decoder d(DecoderOptions{.source_name = "mariadb-bin.000002"});
  d.decode(make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171)), 4);
  return d;
}

TEST(MariaCompressed, Query) {
  const std::string sql = "INSERT INTO t VALUES ('" + std::string(500, 'a') + "')";
  Bytes b;
  put_le(b, 7, 4), put_le(b, 0, 4), b.push_back(2), put_le(b, 0, 2), put_le(b, 0, 2);
  put_str(b, "db"), b.push_back(0);
  Bytes record = compressed_record(Bytes(sql.begin(), sql.end()));
  b.insert(b.end(), record.begin(), record.end());
  Decoder d = maria_decoder();
  const auto q = decode_as<QueryEvent>(d, make_event(165, b, true, 300), 300);
  EXPECT_TRUE(q.compressed);
  EXPECT_EQ(q.database, "db");
  EXPECT_EQ(q.query, sql);
  // A flipped byte in the zlib stream (with a recomputed CRC) is corrupt.
  Bytes bad = b;
  bad[bad.size() - 3] ^= 0xff;
  EXPECT_THROW(d.decode(make_event(165, bad, true, 300), 300), Error);
  // A claimed length no zlib stream could produce is refused before allocating.
  Bytes huge = b;
  huge[b.size() - record.size()] = 0x84;  // 4-byte length follows... now reading garbage as a giant length
  EXPECT_THROW(d.decode(make_event(165, huge, true, 300), 300), Error);
}

// TABLE_MAP for db.t (one nullable INT column), then a compressed WRITE_ROWS_V1.
TEST(MariaCompressed, WriteRowsV1) {
  Decoder d = maria_decoder();
  Bytes tm;
  put_le(tm, 42, 6), put_le(tm, 1, 2);
  tm.push_back(2), put_str(tm, "db"), tm.push_back(0);
  tm.push_back(1), put_str(tm, "t"), tm.push_back(0);
  tm.push_back(1), tm.push_back(3);  // one column, LONG
  tm.push_back(0);                   // no metadata
  tm.push_back(1);                   // nullable
  d.decode(make_event(19, tm, true, 400), 400);

  Bytes rows;
  rows.push_back(0x00), put_le(rows, 12345, 4);  // row 1: not null, 12345
  rows.push_back(0x01);                          // row 2: NULL
  Bytes w;
  put_le(w, 42, 6), put_le(w, 1, 2);
  w.push_back(1), w.push_back(0x01);
  Bytes record = compressed_record(rows);
  w.insert(w.end(), record.begin(), record.end());
  const auto r = decode_as<RowsEvent>(d, make_event(166, w, true, 500), 500);
  EXPECT_EQ(r.kind, RowsKind::kWrite);
  EXPECT_EQ(r.table_id, 42u);
  ASSERT_EQ(r.rows.size(), 2u);
  ASSERT_EQ(r.rows[0].after.size(), 1u);
  EXPECT_EQ(r.rows[0].after[0], Value(int64_t{12345}));
  EXPECT_TRUE(is_null(r.rows[1].after[0]));
  ASSERT_NE(r.table, nullptr);
  EXPECT_EQ(r.table->table, "t");
}

TEST(MariaCompressed, UpdateRowsV2HasTwoBitmapsAndExtraInfo) {
  Decoder d = maria_decoder();
  Bytes tm;
  put_le(tm, 7, 6), put_le(tm, 1, 2);
  tm.push_back(2), put_str(tm, "db"), tm.push_back(0);
  tm.push_back(1), put_str(tm, "u"), tm.push_back(0);
  tm.push_back(1), tm.push_back(3), tm.push_back(0), tm.push_back(0);  // one NOT NULL INT
  d.decode(make_event(19, tm, true, 400), 400);
  Bytes rows;
  rows.push_back(0), put_le(rows, 1, 4);  // before
  rows.push_back(0), put_le(rows, 2, 4);  // after
  Bytes u;
  put_le(u, 7, 6), put_le(u, 1, 2), put_le(u, 2, 2);  // extra row info: just its length
  u.push_back(1), u.push_back(1), u.push_back(1);
  Bytes record = compressed_record(rows);
  u.insert(u.end(), record.begin(), record.end());
  const auto r = decode_as<RowsEvent>(d, make_event(170, u, true, 500), 500);
  EXPECT_EQ(r.kind, RowsKind::kUpdate);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].before[0], Value(int64_t{1}));
  EXPECT_EQ(r.rows[0].after[0], Value(int64_t{2}));
}

}  // namespace
}  // namespace galaxis::binlog
