// Byte-literal tests for MySQL binary JSON -> text, and JSON diffs.
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

std::string json(const Bytes& b) { return detail::json_binary_to_text(b, 500); }

Bytes le64(uint64_t v) {
  Bytes b;
  append_le(b, v, 8);
  return b;
}

TEST(JsonBinary, Scalars) {
  EXPECT_EQ(json(bytes({0x04, 0x00})), "null");
  EXPECT_EQ(json(bytes({0x04, 0x01})), "true");
  EXPECT_EQ(json(bytes({0x04, 0x02})), "false");
  EXPECT_EQ(json(bytes({0x05, 0xff, 0xff})), "-1");
  EXPECT_EQ(json(bytes({0x06, 0xff, 0xff})), "65535");
  EXPECT_EQ(json(bytes({0x07, 0x00, 0x00, 0x00, 0x80})), "-2147483648");
  EXPECT_EQ(json(bytes({0x08, 0xff, 0xff, 0xff, 0xff})), "4294967295");
  Bytes i64 = bytes({0x09});
  append(i64, le64(uint64_t{1} << 63));
  EXPECT_EQ(json(i64), "-9223372036854775808");
  Bytes u64 = bytes({0x0a});
  append(u64, le64(~uint64_t{0}));
  EXPECT_EQ(json(u64), "18446744073709551615");
  Bytes d = bytes({0x0b});
  append(d, le64(0x400c000000000000ULL));  // 3.5
  EXPECT_EQ(json(d), "3.5");
  EXPECT_EQ(json({}), "null");
}

TEST(JsonBinary, StringsAreEscapedLikeMysql) {
  EXPECT_EQ(json(bytes({0x0c, 5, 'a', '"', '\\', '\n', 0x01})), R"("a\"\\\n\u0001")");
  Bytes longer = bytes({0x0c, 0xc8, 0x01});  // varlen 200
  append_str(longer, std::string(200, 'q'));
  EXPECT_EQ(json(longer), "\"" + std::string(200, 'q') + "\"");
  EXPECT_EQ(json(bytes({0x0c, 4, 0xf0, 0x9f, 0x98, 0x80})), "\"\xf0\x9f\x98\x80\"");
}

TEST(JsonBinary, SmallObjectWithNestedArray) {
  const Bytes doc = bytes({0x00, 2,   0,  32,   0,              // count, size
                           18,   0,   1,  0,    19,   0, 1, 0,  // keys "a" @18, "b" @19
                           0x05, 1,   0,  0x02, 20,   0,        // a: inline int16 1; b: array @20
                           'a',  'b',                           //
                           2,    0,   12, 0,    0x04, 1, 0, 0x0c, 10, 0, 1, 'x'});
  EXPECT_EQ(json(doc), R"({"a": 1, "b": [true, "x"]})");
}

TEST(JsonBinary, LargeContainersInlineInt32) {
  EXPECT_EQ(json(bytes({0x03, 1, 0, 0, 0, 13, 0, 0, 0, 0x07, 0xff, 0xff, 0xff, 0xff})), "[-1]");
  EXPECT_EQ(json(bytes({0x02, 0, 0, 4, 0})), "[]");
  EXPECT_EQ(json(bytes({0x01, 0, 0, 0, 0, 8, 0, 0, 0})), "{}");
}

int64_t packed_datetime(int y, int mo, int d, int h, int mi, int s, int us) {
  const int64_t ymd = ((int64_t{y} * 13 + mo) << 5) | d;
  const int64_t hms = (h << 12) | (mi << 6) | s;
  return (((ymd << 17) | hms) << 24) + us;
}

TEST(JsonBinary, OpaqueValues) {
  // DECIMAL(4,2) 1.05 -> number
  EXPECT_EQ(json(bytes({0x0f, 0xf6, 4, 4, 2, 0x81, 0x05})), "1.05");
  Bytes dt = bytes({0x0f, 0x0c, 8});
  append(dt, le64(static_cast<uint64_t>(packed_datetime(2024, 1, 2, 3, 4, 5, 123456))));
  EXPECT_EQ(json(dt), R"("2024-01-02 03:04:05.123456")");
  Bytes whole = bytes({0x0f, 0x07, 8});  // TIMESTAMP: also 6 fraction digits
  append(whole, le64(static_cast<uint64_t>(packed_datetime(2024, 1, 2, 3, 4, 5, 0))));
  EXPECT_EQ(json(whole), R"("2024-01-02 03:04:05.000000")");
  Bytes date = bytes({0x0f, 0x0a, 8});
  append(date, le64(static_cast<uint64_t>(packed_datetime(2024, 1, 2, 0, 0, 0, 0))));
  EXPECT_EQ(json(date), R"("2024-01-02")");
  Bytes time = bytes({0x0f, 0x0b, 8});
  append(time, le64(static_cast<uint64_t>(-((int64_t{(1 << 12) | (2 << 6) | 3} << 24) + 500000))));
  EXPECT_EQ(json(time), R"("-01:02:03.500000")");
  EXPECT_EQ(json(bytes({0x0f, 0xfc, 3, 0, 1, 2})), R"("base64:type252:AAEC")");
  EXPECT_EQ(json(bytes({0x0f, 0xfc, 1, 0xff})), R"("base64:type252:/w==")");
}

TEST(JsonBinary, DoublesPrintLikeMysql) {
  auto d = [](double v) {
    std::string s;
    detail::append_json_double(s, v);
    return s;
  };
  EXPECT_EQ(d(1.0), "1.0");
  EXPECT_EQ(d(0.0), "0.0");
  EXPECT_EQ(d(-2.5), "-2.5");
  EXPECT_EQ(d(0.1), "0.1");
  EXPECT_EQ(d(3e10), "30000000000.0");
  EXPECT_EQ(d(1e14), "100000000000000.0");
  EXPECT_EQ(d(1e15), "1e15");
  EXPECT_EQ(d(1e16), "1e16");
  EXPECT_EQ(d(1.5e300), "1.5e300");
  EXPECT_EQ(d(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(d(1e-15), "0.000000000000001");
  EXPECT_EQ(d(1e-16), "1e-16");
  EXPECT_EQ(d(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(d(1234567890123456.7), "1234567890123456.8");
}

TEST(JsonBinary, CorruptDocumentsErrorWithOffsets) {
  auto err = [](const Bytes& b) { return error_of([&] { json(b); }); };
  // element count too large for the size
  std::string e = err(bytes({0x02, 9, 0, 9, 0, 0x04, 1, 0, 0, 0}));
  EXPECT_NE(e.find("array element count"), std::string::npos) << e;
  EXPECT_NE(e.find("offset 501"), std::string::npos) << e;
  // size larger than the document
  e = err(bytes({0x02, 1, 0, 200, 0, 0x04, 1, 0}));
  EXPECT_NE(e.find("array size"), std::string::npos) << e;
  // key pointing past the object
  e = err(bytes({0x00, 1, 0, 11, 0, 40, 0, 1, 0, 0x04, 1, 0}));
  EXPECT_NE(e.find("key offset"), std::string::npos) << e;
  // value offset past the array
  e = err(bytes({0x02, 1, 0, 7, 0, 0x0c, 50, 0}));
  EXPECT_NE(e.find("value offset"), std::string::npos) << e;
  // unknown type, bad literal, truncated string, string length past the end
  EXPECT_NE(err(bytes({0x0d, 0})).find("unknown value type 0x0d"), std::string::npos);
  EXPECT_NE(err(bytes({0x04, 7})).find("unknown literal"), std::string::npos);
  EXPECT_NE(err(bytes({0x0c, 0x80})).find("string length"), std::string::npos);
  EXPECT_NE(err(bytes({0x0c, 5, 'a'})).find("string at offset"), std::string::npos);
  EXPECT_NE(err(bytes({0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})).find("string length"), std::string::npos);
}

TEST(JsonBinary, DeepNestingIsRefused) {
  // 200 nested single-element small arrays: [[[...]]]
  const int depth = 200;
  Bytes doc = bytes({0x02});
  for (int i = 0; i < depth; ++i) {
    const int size = 4 + 3 + (depth - i - 1) * 7 + (i == depth - 1 ? 0 : 0);
    append(doc, bytes({1, 0, size & 0xff, size >> 8, i == depth - 1 ? 0x04 : 0x02, i == depth - 1 ? 0 : 7, 0}));
  }
  const std::string e = error_of([&] { json(doc); });
  EXPECT_NE(e.find("nesting too deep"), std::string::npos) << e;
}

TEST(JsonDiff, OperationsPathsAndValues) {
  Bytes b;
  append(b, bytes({0, 3, '$', '.', 'a', 3, 0x05, 42, 0}));                  // REPLACE $.a 42
  append(b, bytes({1, 5, '$', '.', 'n', 'e', 'w', 4, 0x0c, 2, 'p', 'q'}));  // INSERT $.new "pq"
  append(b, bytes({2, 6, '$', '[', '1', '0', ']', '!'}));                   // REMOVE
  const JsonDiff diff = detail::decode_json_diff(b, 0);
  ASSERT_EQ(diff.ops.size(), 3u);
  EXPECT_EQ(diff.ops[0], (JsonDiffOp{JsonDiffOp::Kind::kReplace, "$.a", "42"}));
  EXPECT_EQ(diff.ops[1], (JsonDiffOp{JsonDiffOp::Kind::kInsert, "$.new", "\"pq\""}));
  EXPECT_EQ(diff.ops[2], (JsonDiffOp{JsonDiffOp::Kind::kRemove, "$[10]!", ""}));
}

TEST(JsonDiff, BadOperationAndTruncation) {
  std::string e = error_of([] { detail::decode_json_diff(bytes({3, 1, '$'}), 100); });
  EXPECT_NE(e.find("invalid JSON diff operation (value 3) at offset 101"), std::string::npos) << e;
  e = error_of([] { detail::decode_json_diff(bytes({0, 9, '$'}), 100); });
  EXPECT_NE(e.find("truncated JSON diff path at offset 102"), std::string::npos) << e;
  e = error_of([] { detail::decode_json_diff(bytes({0, 1, '$', 9, 0x04}), 100); });
  EXPECT_NE(e.find("truncated JSON diff value"), std::string::npos) << e;
}

}  // namespace
}  // namespace galaxis::binlog::rowtest

namespace galaxis::binlog::rowtest {
namespace {

TEST(JsonBinary, SharedSubtreesCannotExplode) {
  // Every level is an array of 8 entries all pointing at the next level:
  // 8^40 values if printed; must fail fast instead.
  const int levels = 40;
  Bytes doc = bytes({0x02});
  const int level_size = 4 + 8 * 3;
  for (int l = 0; l < levels; ++l) {
    const int remaining = (levels - l) * level_size;
    append(doc, bytes({8, 0, remaining & 0xff, remaining >> 8}));
    for (int k = 0; k < 8; ++k) append(doc, bytes({l + 1 < levels ? 0x02 : 0x04, l + 1 < levels ? level_size : 0, 0}));
  }
  const std::string e = error_of([&] { detail::json_binary_to_text(doc, 0); });
  EXPECT_NE(e.find("expands far beyond"), std::string::npos) << e;
}

TEST(Rows, RowDataWithEmptyColumnBitmapIsCorrupt) {
  auto t = std::make_shared<TableMap>();
  t->columns = {column(ColumnType::kLong)};
  detail::TableLookup lookup = [t](uint64_t) { return t; };
  Bytes b = bytes({1, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x00});
  ByteReader in(b, 0);
  const std::string e = error_of([&] { detail::decode_rows(in, 23, mysql_format(), lookup, true); });
  EXPECT_NE(e.find("no columns in its images"), std::string::npos) << e;
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
