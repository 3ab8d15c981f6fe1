// Byte-literal tests: CHAR/VARCHAR/BINARY, BLOB/TEXT, ENUM, SET, BIT, JSON,
// GEOMETRY, VECTOR and unsupported types.
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

Text text(const Value& v) { return std::get<Text>(v); }

TEST(StringValues, VarcharOneAndTwoByteLengths) {
  const ColumnInfo short_col = column(ColumnType::kVarchar, 255, std::nullopt, ColumnType::kNull, 45);
  EXPECT_EQ(text(decode(bytes({3, 'a', 'b', 'c'}), short_col)), (Text{"abc", 45}));
  EXPECT_EQ(text(decode(bytes({0}), short_col)), (Text{"", 45}));  // empty, not NULL
  const ColumnInfo long_col = column(ColumnType::kVarchar, 1200, std::nullopt, ColumnType::kNull, 255);
  Bytes b = bytes({0x2c, 0x01});
  append_str(b, std::string(300, 'x'));
  EXPECT_EQ(text(decode(b, long_col)).bytes, std::string(300, 'x'));
  // 4-byte UTF-8 passes through unchanged
  const std::string emoji = "\xf0\x9f\x98\x80";
  Bytes e = bytes({4});
  append_str(e, emoji);
  EXPECT_EQ(text(decode(e, short_col)).bytes, emoji);
}

TEST(StringValues, BinaryWithNulBytes) {
  const ColumnInfo c = column(ColumnType::kVarchar, 10, std::nullopt, ColumnType::kNull, 63);
  const Text t = text(decode(bytes({4, 0, 0xff, 0, 0x10}), c));
  EXPECT_EQ(t.bytes, std::string("\0\xff\0\x10", 4));
  EXPECT_EQ(t.collation, 63);
}

TEST(StringValues, CharLengthByteCountComesFromTheMaxLength) {
  // CHAR(10) latin1: meta byte0 = 0xfe (STRING), byte1 = 10 -> 1 length byte
  const ColumnInfo c10 = column(ColumnType::kString, 0xfe0a, std::nullopt, ColumnType::kString, 8);
  EXPECT_EQ(text(decode(bytes({2, 'h', 'i'}), c10)), (Text{"hi", 8}));
  // CHAR(255) utf8mb4 = 1020 bytes: byte0 = 0xfe ^ ((1020 >> 4) & 0x30) = 0xce, byte1 = 1020 & 0xff
  ColumnInfo c255 = column(ColumnType::kString, 0xcefc, std::nullopt, ColumnType::kString, 45);
  EXPECT_EQ(detail::string_max_length(c255), 1020u);
  Bytes b = bytes({0x01, 0x01});  // 257 bytes follow: 2 length bytes
  append_str(b, std::string(257, 'z'));
  EXPECT_EQ(text(decode(b, c255)).bytes.size(), 257u);
}

TEST(StringValues, BlobLengthSizes) {
  for (unsigned n = 1; n <= 4; ++n) {
    Bytes b;
    append_le(b, 3, n);
    append_str(b, "xyz");
    EXPECT_EQ(text(decode(b, column(ColumnType::kBlob, static_cast<uint16_t>(n)))).bytes, "xyz") << n;
  }
  const std::string e = error_of([] { decode(bytes({1}), column(ColumnType::kBlob, 5)); });
  EXPECT_NE(e.find("invalid BLOB value length size 5"), std::string::npos) << e;
  // a length pointing past the end is an error naming the offset, not an allocation
  const std::string t = error_of([] { decode(bytes({0xff, 0xff, 0xff, 0x7f, 'a'}), column(ColumnType::kBlob, 4)); });
  EXPECT_NE(t.find("truncated BLOB value at offset 1004"), std::string::npos) << t;
}

TEST(StringValues, EnumSetBitExtremes) {
  const ColumnInfo e1 = column(ColumnType::kString, 0xf701, std::nullopt, ColumnType::kEnum);
  const ColumnInfo e2 = column(ColumnType::kString, 0xf702, std::nullopt, ColumnType::kEnum);
  EXPECT_EQ(decode(bytes({0}), e1), Value(Enum{0}));
  EXPECT_EQ(decode(bytes({255}), e1), Value(Enum{255}));
  EXPECT_EQ(decode(bytes({0xff, 0xff}), e2), Value(Enum{65535}));
  const ColumnInfo s8 = column(ColumnType::kString, 0xf808, std::nullopt, ColumnType::kSet);
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), s8), Value(Set{~uint64_t{0}}));
  EXPECT_EQ(decode(bytes({0x01}), column(ColumnType::kString, 0xf801, std::nullopt, ColumnType::kSet)), Value(Set{1}));
  // BIT(1): meta bits=1 bytes=0; BIT(64): bits=0 bytes=8; BIT(10): bits=2 bytes=1, big-endian
  EXPECT_EQ(decode(bytes({1}), column(ColumnType::kBit, 0x0001)), Value(Bit{1, 1}));
  EXPECT_EQ(decode(bytes({0x80, 0, 0, 0, 0, 0, 0, 0}), column(ColumnType::kBit, 0x0800)),
            Value(Bit{uint64_t{1} << 63, 64}));
  EXPECT_EQ(decode(bytes({0x02, 0xab}), column(ColumnType::kBit, 0x0102)), Value(Bit{0x2ab, 10}));
  const std::string e =
      error_of([] { decode(bytes({0}), column(ColumnType::kString, 0xf703, {}, ColumnType::kEnum)); });
  EXPECT_NE(e.find("ENUM with pack length 3"), std::string::npos) << e;
}

TEST(StringValues, JsonGeometryVector) {
  // JSON: 4-byte length + binary JSON (literal true)
  EXPECT_EQ(decode(bytes({2, 0, 0, 0, 0x04, 0x01}), column(ColumnType::kJson, 4)), Value(Json{"true"}));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0}), column(ColumnType::kJson, 4)), Value(Json{"null"}));
  Bytes g = bytes({25, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0});
  append(g, Bytes(16, 0));
  EXPECT_EQ(std::get<Geometry>(decode(g, column(ColumnType::kGeometry, 4))).bytes.size(), 25u);
  const Value v = decode(bytes({8, 0, 0, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0x10, 0xc0}), column(ColumnType::kVector, 4));
  EXPECT_EQ(v, Value(Vector{{1.5f, -2.25f}}));
  const std::string e = error_of([] { decode(bytes({3, 0, 0, 0, 1, 2, 3}), column(ColumnType::kVector, 4)); });
  EXPECT_NE(e.find("not a multiple of 4"), std::string::npos) << e;
}

TEST(StringValues, UnknownTypesNameTheCodeAndOffset) {
  Error::Kind kind{};
  std::string e = error_of([] { decode(bytes({0}), column(static_cast<ColumnType>(200))); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kUnsupported);
  EXPECT_NE(e.find("column type 200"), std::string::npos) << e;
  EXPECT_NE(e.find("offset 1000"), std::string::npos) << e;
  e = error_of([] { decode(bytes({0}), column(ColumnType::kTypedArray)); });
  EXPECT_NE(e.find("TYPED_ARRAY"), std::string::npos) << e;
}

TEST(ColumnTypeNames, KnownAndUnknown) {
  EXPECT_EQ(column_type_name(ColumnType::kNewDecimal), "NEWDECIMAL");
  EXPECT_EQ(column_type_name(ColumnType::kVector), "VECTOR");
  EXPECT_EQ(column_type_name(static_cast<ColumnType>(100)), "type?");
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
