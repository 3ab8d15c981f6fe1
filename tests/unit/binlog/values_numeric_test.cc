// Byte-literal tests: integers, FLOAT/DOUBLE, NEWDECIMAL.
#include <limits>

#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

TEST(IntegerValues, SignedExtremesOfEveryWidth) {
  const auto s = std::optional<bool>(false);
  EXPECT_EQ(decode(bytes({0x80}), column(ColumnType::kTiny, 0, s)), Value(int64_t{-128}));
  EXPECT_EQ(decode(bytes({0x7f}), column(ColumnType::kTiny, 0, s)), Value(int64_t{127}));
  EXPECT_EQ(decode(bytes({0x00, 0x80}), column(ColumnType::kShort, 0, s)), Value(int64_t{-32768}));
  EXPECT_EQ(decode(bytes({0xff, 0x7f}), column(ColumnType::kShort, 0, s)), Value(int64_t{32767}));
  EXPECT_EQ(decode(bytes({0x00, 0x00, 0x80}), column(ColumnType::kInt24, 0, s)), Value(int64_t{-8388608}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0x7f}), column(ColumnType::kInt24, 0, s)), Value(int64_t{8388607}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff}), column(ColumnType::kInt24, 0, s)), Value(int64_t{-1}));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0x80}), column(ColumnType::kLong, 0, s)), Value(int64_t{-2147483648LL}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0x7f}), column(ColumnType::kLong, 0, s)), Value(int64_t{2147483647}));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0, 0, 0, 0, 0x80}), column(ColumnType::kLongLong, 0, s)),
            Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), column(ColumnType::kLongLong, 0, s)),
            Value(std::numeric_limits<int64_t>::max()));
}

TEST(IntegerValues, UnsignedExtremesOfEveryWidth) {
  const auto u = std::optional<bool>(true);
  EXPECT_EQ(decode(bytes({0xff}), column(ColumnType::kTiny, 0, u)), Value(uint64_t{255}));
  EXPECT_EQ(decode(bytes({0xff, 0xff}), column(ColumnType::kShort, 0, u)), Value(uint64_t{65535}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff}), column(ColumnType::kInt24, 0, u)), Value(uint64_t{16777215}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0xff}), column(ColumnType::kLong, 0, u)), Value(uint64_t{4294967295u}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), column(ColumnType::kLongLong, 0, u)),
            Value(std::numeric_limits<uint64_t>::max()));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0}), column(ColumnType::kLong, 0, u)), Value(uint64_t{0}));
}

TEST(IntegerValues, WithoutSignednessMetadataDecodeSigned) {
  const Value v = decode(bytes({0xff, 0xff, 0xff, 0xff}), column(ColumnType::kLong));
  EXPECT_EQ(v, Value(int64_t{-1}));
  EXPECT_EQ(column(ColumnType::kLong).width_bits(), 32u);
  EXPECT_EQ(column(ColumnType::kInt24).width_bits(), 24u);
  EXPECT_EQ(column(ColumnType::kVarchar).width_bits(), 0u);
}

TEST(IntegerValues, TruncatedNamesOffset) {
  const std::string e = error_of([] { decode(bytes({0x01, 0x02}), column(ColumnType::kLong)); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  EXPECT_NE(e.find("offset 1000"), std::string::npos) << e;
}

TEST(FloatValues, FloatAndDouble) {
  EXPECT_EQ(decode(bytes({0x00, 0x00, 0xa0, 0x3f}), column(ColumnType::kFloat, 4)), Value(1.25f));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0, 0, 0, 0x04, 0xc0}), column(ColumnType::kDouble, 8)), Value(-2.5));
  const Value inf = decode(bytes({0, 0, 0x80, 0x7f}), column(ColumnType::kFloat, 4));
  EXPECT_TRUE(std::isinf(std::get<float>(inf)));
}

ColumnInfo decimal(unsigned precision, unsigned scale) {
  return column(ColumnType::kNewDecimal, static_cast<uint16_t>(precision << 8 | scale));
}
std::string decimal_text(const Bytes& b, unsigned precision, unsigned scale) {
  return std::get<Decimal>(decode(b, decimal(precision, scale))).text;
}

TEST(DecimalValues, DocumentedExampleAndItsNegation) {
  // DECIMAL(14,4) 1234567890.1234: 1 leading digit in 1 byte, one 9-digit
  // group, 4 fraction digits in 2 bytes; sign bit flipped, negatives inverted.
  EXPECT_EQ(decimal_text(bytes({0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2}), 14, 4), "1234567890.1234");
  EXPECT_EQ(decimal_text(bytes({0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d}), 14, 4), "-1234567890.1234");
}

TEST(DecimalValues, ZerosScaleZeroAndLeadingZeros) {
  EXPECT_EQ(decimal_text(bytes({0x80, 0x00, 0x00, 0x00, 0x00, 0x00}), 12, 4), "0.0000");
  EXPECT_EQ(decimal_text(bytes({0x80, 0x00, 0x00, 0x00, 0x00}), 10, 0), "0");
  // DECIMAL(10,0) 9999999999 = leading "9" (1 byte) + 999999999
  EXPECT_EQ(decimal_text(bytes({0x89, 0x3b, 0x9a, 0xc9, 0xff}), 10, 0), "9999999999");
  // DECIMAL(5,5) 0.00001 -> no integer digits, fraction 5 digits in 3 bytes
  EXPECT_EQ(decimal_text(bytes({0x80, 0x00, 0x01}), 5, 5), "0.00001");
  EXPECT_EQ(decimal_text(bytes({0x7f, 0xff, 0xfe}), 5, 5), "-0.00001");
  // DECIMAL(4,2) 1.05: integer "01" in 1 byte, fraction "05" in 1 byte
  EXPECT_EQ(decimal_text(bytes({0x81, 0x05}), 4, 2), "1.05");
}

TEST(DecimalValues, Precision65Scale30Extremes) {
  // 35 integer digits = 8 (4 bytes) + 3 groups; 30 fraction digits = 3 groups + 3 (2 bytes)
  Bytes max;
  append(max, bytes({0x85, 0xf5, 0xe0, 0xff}));
  for (int i = 0; i < 6; ++i) append(max, bytes({0x3b, 0x9a, 0xc9, 0xff}));
  append(max, bytes({0x03, 0xe7}));
  const std::string nines35(35, '9'), nines30(30, '9');
  EXPECT_EQ(decimal_text(max, 65, 30), nines35 + "." + nines30);
  Bytes min = max;
  for (auto& b : min) b = static_cast<uint8_t>(~b);
  EXPECT_EQ(decimal_text(min, 65, 30), "-" + nines35 + "." + nines30);
}

TEST(DecimalValues, CorruptGroupsAndMetadataAreErrors) {
  Error::Kind kind{};
  // a full group of 0xffffffff (> 999999999)
  std::string e = error_of([] { decimal_text(bytes({0x81, 0xff, 0xff, 0xff, 0xff, 0x04, 0xd2}), 14, 4); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("digit group"), std::string::npos) << e;
  e = error_of([] { decimal_text(bytes({0x80}), 66, 0); });
  EXPECT_NE(e.find("DECIMAL(66,0)"), std::string::npos) << e;
  e = error_of([] { decimal_text(bytes({0x80}), 5, 6); });
  EXPECT_NE(e.find("DECIMAL(5,6)"), std::string::npos) << e;
  e = error_of([] { decimal_text(bytes({0x81, 0x0d, 0xfb}), 14, 4); });
  EXPECT_NE(e.find("truncated DECIMAL value at offset 1000"), std::string::npos) << e;
}

TEST(DecimalValues, OldDecimalIsRefusedClearly) {
  Error::Kind kind{};
  const std::string e = error_of([] { decode(bytes({0x31}), column(ColumnType::kDecimal)); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kUnsupported);
  EXPECT_NE(e.find("old-style DECIMAL"), std::string::npos) << e;
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
