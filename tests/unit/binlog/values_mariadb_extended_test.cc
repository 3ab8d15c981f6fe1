// MariaDB value forms beyond MySQL's (issue #14): DECIMAL scale up to 38
// (DECIMAL(65,38)), COMPRESSED columns (table map types 140/141 and the
// column compression record), checked byte by byte and against a real
// MariaDB 10.11 binlog (tests/unit/binlog/data/mariadb-10.11-values.*: the
// workload .sql, the binlog and mariadb-binlog --verbose as the oracle).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>

#include "binlog_test_util.h"
#include "mysqlbinlog_rows.h"
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

std::string decimal_text(const Bytes& b, unsigned precision, unsigned scale) {
  return std::get<Decimal>(decode(b, column(ColumnType::kNewDecimal, static_cast<uint16_t>(precision << 8 | scale))))
      .text;
}

TEST(MariaDbDecimal, Precision65Scale38) {
  // 27 integer digits = 3 groups (12 bytes); 38 fraction digits = 4 groups + 2 digits (1 byte): 29 bytes.
  Bytes max;
  for (int i = 0; i < 7; ++i) append(max, bytes({0x3b, 0x9a, 0xc9, 0xff}));
  max.push_back(0x63);  // 99
  max[0] ^= 0x80;
  const std::string nines27(27, '9'), nines38(38, '9');
  EXPECT_EQ(decimal_text(max, 65, 38), nines27 + "." + nines38);
  Bytes min = max;
  for (auto& b : min) b = static_cast<uint8_t>(~b);
  EXPECT_EQ(decimal_text(min, 65, 38), "-" + nines27 + "." + nines38);
  // DECIMAL(38,38) -0.000...01: no integer digits, the last fraction digit 1.
  Bytes tiny(17, 0);
  tiny[16] = 0x01;
  tiny[0] ^= 0x80;
  for (auto& b : tiny) b = static_cast<uint8_t>(~b);
  EXPECT_EQ(decimal_text(tiny, 38, 38), "-0." + std::string(37, '0') + "1");
  // Scale 39 is beyond every server.
  const std::string e = error_of([] { decimal_text(bytes({0x80}), 40, 39); });
  EXPECT_NE(e.find("DECIMAL(40,39)"), std::string::npos) << e;
}

// The column's stored record: header 0 + raw bytes, or 0x80|8|n + length +
// raw deflate (column_compression_zlib_wrap=OFF), or 0x80|n + zlib stream.
Bytes compressed_column(const std::string& plain, bool wrap) {
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, wrap ? MAX_WBITS : -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes z(deflateBound(&s, plain.size()));
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  s.avail_in = static_cast<uInt>(plain.size());
  s.next_out = z.data();
  s.avail_out = static_cast<uInt>(z.size());
  deflate(&s, Z_FINISH);
  z.resize(s.total_out);
  deflateEnd(&s);
  Bytes out;
  out.push_back(static_cast<uint8_t>(0x80 | (wrap ? 0 : 8) | 2));
  out.push_back(static_cast<uint8_t>(plain.size() >> 8));
  out.push_back(static_cast<uint8_t>(plain.size()));
  append(out, z);
  return out;
}

std::string text_of(const Value& v) { return std::get<Text>(v).bytes; }

TEST(MariaDbCompressedColumns, VarcharAndBlobRecords) {
  const ColumnInfo vc = column(ColumnType::kVarcharCompressed, 400, std::nullopt, ColumnType::kNull, 45);
  const ColumnInfo blob = column(ColumnType::kBlobCompressed, 2, std::nullopt, ColumnType::kNull, 63);
  const std::string plain(300, 'x');
  for (bool wrap : {false, true}) {
    const Bytes rec = compressed_column(plain, wrap);
    Bytes v;
    append_le(v, rec.size(), 2);  // VARCHAR(>255 bytes): 2-byte length
    append(v, rec);
    EXPECT_EQ(text_of(decode(v, vc)), plain);
    Bytes b;
    append_le(b, rec.size(), 2);  // BLOB pack length 2
    append(b, rec);
    const Value value = decode(b, blob);
    EXPECT_EQ(text_of(value), plain);
    EXPECT_EQ(std::get<Text>(value).collation, 63);
  }
  // Stored as is (header 0), and the empty value (no header at all).
  EXPECT_EQ(text_of(decode(bytes({3, 0, 0, 'a', 'b'}), vc)), "ab");
  EXPECT_EQ(text_of(decode(bytes({0, 0}), vc)), "");
  EXPECT_EQ(text_of(decode(bytes({1, 0, 0}), blob)), "");
  // A VARCHAR(<256 bytes) COMPRESSED has a 1-byte length.
  const ColumnInfo short_vc = column(ColumnType::kVarcharCompressed, 101);
  EXPECT_EQ(text_of(decode(bytes({2, 0, 'q'}), short_vc)), "q");
}

TEST(MariaDbCompressedColumns, CorruptRecordsAreErrors) {
  const ColumnInfo blob = column(ColumnType::kBlobCompressed, 2);
  Error::Kind kind{};
  // An unknown method (header 0x90: method 9).
  std::string e = error_of([&] { decode(bytes({2, 0, 0x90, 1}), blob); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("COMPRESSED column value at offset 1002"), std::string::npos) << e;
  // A length no deflate stream could produce is refused before allocating.
  e = error_of([&] { decode(bytes({6, 0, 0x8c, 0xff, 0xff, 0xff, 0xff, 0}), blob); });
  EXPECT_NE(e.find("claims 4294967295 bytes"), std::string::npos) << e;
  // A damaged stream, and a stream shorter than its claimed length.
  Bytes rec = compressed_column(std::string(200, 'y'), false);
  Bytes bad = rec;
  bad.resize(bad.size() - 2);  // the stream cut short
  Bytes b;
  append_le(b, bad.size(), 2);
  append(b, bad);
  e = error_of([&] { decode(b, blob); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("zlib inflate failed"), std::string::npos) << e;
  Bytes longer = rec;
  longer[2] = 201;  // claims 201 bytes, the stream holds 200
  Bytes l;
  append_le(l, longer.size(), 2);
  append(l, longer);
  e = error_of([&] { decode(l, blob); });
  EXPECT_NE(e.find("zlib inflate failed"), std::string::npos) << e;
  // The header's length bytes missing.
  e = error_of([&] { decode(bytes({1, 0, 0x83}), blob); });
  EXPECT_NE(e.find("header 0x83"), std::string::npos) << e;
}

// The real server's binlog: DECIMAL(39,38)/(65,38)/(38,38)/(65,31)/(31,31)
// and UUID/INET6/BINARY/CHAR rows equal mariadb-binlog's; COMPRESSED values
// (which mariadb-binlog prints as their stored records) decode to the
// workload's values, the uncompressed records to the oracle's bytes after
// the header byte.
TEST(MariaDb1011ValuesOracle, RealServerBinlogMatchesMariadbBinlog) {
  const std::string dir = std::string(GALAXIS_SOURCE_DIR) + "/tests/unit/binlog/data/";
  const auto expected = parse_mysqlbinlog_rows(read_file(dir + "mariadb-10.11-values.000001.verbose.txt"), true);
  std::vector<TextRow> actual;
  ASSERT_NO_THROW(actual = decode_rows_as_text(dir + "mariadb-10.11-values.000001"));
  ASSERT_EQ(actual.size(), expected.size());
  std::vector<TextRow> plain_expected, plain_actual;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].table == "`tv`.`t1c`") continue;
    plain_expected.push_back(expected[i]);
    plain_actual.push_back(actual[i]);
  }
  EXPECT_EQ(plain_expected.size(), 9u);  // t_dec: 3 + 1 + 1, t_fixed: 3 + 1
  EXPECT_EQ(compare_rows(plain_expected, plain_actual), "");

  // t1c: decoded values as the workload wrote them.
  const auto walk = testing::walk_file(dir + "mariadb-10.11-values.000001", /*keep_events=*/true);
  std::vector<RowsEvent> rows;
  for (const Event& e : walk.events) {
    if (const auto* r = e.as<RowsEvent>(); r && r->table && r->table->table == "t1c") rows.push_back(*r);
  }
  ASSERT_EQ(rows.size(), 4u);
  const auto& map = *rows[0].table;
  ASSERT_EQ(map.columns.size(), 7u);
  EXPECT_EQ(map.columns[1].type, ColumnType::kVarcharCompressed);
  EXPECT_EQ(map.columns[2].type, ColumnType::kBlobCompressed);
  EXPECT_EQ(map.columns[1].name, "v");
  // The charset TLVs count compressed columns: latin1 (the server's default), binary, latin1.
  EXPECT_EQ(map.columns[1].collation, 8);
  EXPECT_EQ(map.columns[2].collation, 63);
  EXPECT_EQ(map.columns[4].collation, 8);
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  std::string blob1;
  for (int i = 0; i < 500; ++i) blob1 += std::string("\x00\xff", 2);
  const auto& first = rows[0].rows;
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(text_of(first[0].after[1]), repeat("abc", 30));
  EXPECT_EQ(text_of(first[0].after[2]), blob1);
  EXPECT_EQ(text_of(first[0].after[3]), repeat("hello ", 100));
  EXPECT_EQ(text_of(first[0].after[4]), std::string(1000, 'z'));
  EXPECT_EQ(text_of(first[0].after[5]), std::string(200, 'q'));
  EXPECT_EQ(text_of(first[0].after[6]), repeat("long ", 2000));
  EXPECT_EQ(text_of(first[1].after[2]), std::string(1, '\0'));
  for (size_t c = 1; c < 7; ++c) {
    EXPECT_EQ(text_of(first[2].after[c]), "");
    EXPECT_TRUE(is_null(first[3].after[c]));
  }
  // column_compression_zlib_wrap=ON: zlib streams instead of raw deflate.
  EXPECT_EQ(text_of(rows[1].rows[0].after[1]), repeat("wrapped", 10));
  EXPECT_EQ(text_of(rows[1].rows[0].after[2]), std::string(300, 'b'));
  EXPECT_EQ(text_of(rows[1].rows[0].after[6]), repeat("lt", 300));
  // The UPDATE's before images are the inserted values.
  ASSERT_EQ(rows[2].rows.size(), 2u);
  EXPECT_EQ(text_of(rows[2].rows[0].before[3]), repeat("hello ", 100));
  EXPECT_EQ(text_of(rows[2].rows[0].after[1]), repeat("xyz", 33));
  EXPECT_EQ(text_of(rows[2].rows[1].after[2]), "short");
  // Values stored as is: the oracle prints the stored record, header byte 0
  // and the value; ours is the value.
  std::vector<const RowImage*> afters;
  for (const RowsEvent& r : rows)
    for (const RowChange& change : r.rows)
      if (!change.after.empty()) afters.push_back(&change.after);
  size_t checked = 0, next = 0;
  for (const TextRow& e : expected) {
    if (e.table != "`tv`.`t1c`" || e.after.empty()) continue;
    ASSERT_LT(next, afters.size());
    const RowImage& image = *afters[next++];
    for (size_t k = 1; k < e.after.size() && k < image.size(); ++k) {
      if (is_null(image[k]) || text_of(image[k]).empty()) continue;
      const Value stored = Text{std::string(1, '\0') + text_of(image[k]), 0};
      if (mysqlbinlog_value(stored, map.columns[k], static_cast<int>(k + 1)) == e.after[k].second) ++checked;
    }
  }
  EXPECT_EQ(next, afters.size());
  EXPECT_GT(checked, 5u);
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
