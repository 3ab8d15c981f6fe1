// Literal encoding for every Value alternative: byte-exact expected SQL.
#include "galaxis/sql/literal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "column_fixture.h"
#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

using galaxis::sql::testing::col;

TEST(Literal, NullAndIntegers) {
  EXPECT_EQ(literal(Null{}, col("int")), "NULL");
  EXPECT_EQ(literal(int64_t{-5}, col("int")), "-5");
  EXPECT_EQ(literal(int64_t{std::numeric_limits<int64_t>::min()}, col("bigint")), "-9223372036854775808");
  EXPECT_EQ(literal(uint64_t{18446744073709551615ULL}, col("bigint", true)), "18446744073709551615");
}

TEST(Literal, SignedValueReinterpretedForUnsignedTargetColumn) {
  // Without signedness metadata the decoder reads TINYINT UNSIGNED 255 as -1.
  EXPECT_EQ(literal(int64_t{-1}, col("tinyint", true)), "255");
  EXPECT_EQ(literal(int64_t{-1}, col("smallint", true)), "65535");
  EXPECT_EQ(literal(int64_t{-1}, col("mediumint", true)), "16777215");
  EXPECT_EQ(literal(int64_t{-2}, col("int", true)), "4294967294");
  EXPECT_EQ(literal(int64_t{-1}, col("bigint", true)), "18446744073709551615");
  EXPECT_EQ(literal(int64_t{7}, col("int", true)), "7");
  // Signed target: unchanged.
  EXPECT_EQ(literal(int64_t{-1}, col("tinyint")), "-1");
}

TEST(Literal, FloatingPointRoundTrips) {
  EXPECT_EQ(literal(1.5, col("double")), "1.5e+00");
  EXPECT_EQ(literal(0.1, col("double")), "1e-01");
  EXPECT_EQ(literal(-0.0, col("double")), "-0e+00");
  EXPECT_EQ(literal(1.7976931348623157e308, col("double")), "1.7976931348623157e+308");
  EXPECT_EQ(literal(5e-324, col("double")), "5e-324");
  // A float is written as the exact double it widens to.
  EXPECT_EQ(literal(1.1f, col("float")), "1.100000023841858e+00");
  EXPECT_EQ(literal(3.4028234663852886e38f, col("float")), "3.4028234663852886e+38");
  EXPECT_THROW(literal(std::nan(""), col("double")), Error);
  EXPECT_THROW(literal(std::numeric_limits<float>::infinity(), col("float")), Error);
}

TEST(Literal, DecimalText) {
  EXPECT_EQ(literal(Decimal{"-12.340"}, col("decimal")), "-12.340");
  EXPECT_EQ(literal(Decimal{"0"}, col("decimal")), "0");
  EXPECT_THROW(literal(Decimal{"1;DROP"}, col("decimal")), Error);
  EXPECT_THROW(literal(Decimal{""}, col("decimal")), Error);
  EXPECT_THROW(literal(Decimal{"1-2"}, col("decimal")), Error);
}

TEST(Literal, TemporalValues) {
  EXPECT_EQ(literal(Year{0}, col("year")), "0");
  EXPECT_EQ(literal(Year{2155}, col("year")), "2155");
  EXPECT_EQ(literal(Date{0, 0, 0}, col("date")), "'0000-00-00'");
  EXPECT_EQ(literal(Date{2024, 2, 29}, col("date")), "'2024-02-29'");
  EXPECT_EQ(literal(Time{true, 838, 59, 59, 0, 0}, col("time")), "'-838:59:59'");
  EXPECT_EQ(literal(Time{false, 1, 2, 3, 500000, 3}, col("time")), "'01:02:03.500'");
  EXPECT_EQ(literal(Time{false, 0, 0, 0, 1, 6}, col("time")), "'00:00:00.000001'");
  // More precision in the value than the column claims: nothing is lost.
  EXPECT_EQ(literal(Time{false, 0, 0, 0, 123456, 2}, col("time")), "'00:00:00.123456'");
  EXPECT_EQ(literal(DateTime{9999, 12, 31, 23, 59, 59, 999999, 6}, col("datetime")), "'9999-12-31 23:59:59.999999'");
  EXPECT_EQ(literal(DateTime{0, 0, 0, 0, 0, 0, 0, 0}, col("datetime")), "'0000-00-00 00:00:00'");
  EXPECT_EQ(literal(DateTime{2000, 1, 2, 3, 4, 5, 120000, 2}, col("datetime")), "'2000-01-02 03:04:05.12'");
}

TEST(Literal, TimestampIsUtcWallTime) {
  EXPECT_EQ(literal(Timestamp{0, 0, 0}, col("timestamp")), "'0000-00-00 00:00:00'");
  EXPECT_EQ(literal(Timestamp{0, 0, 3}, col("timestamp")), "'0000-00-00 00:00:00.000'");
  EXPECT_EQ(literal(Timestamp{1, 0, 0}, col("timestamp")), "'1970-01-01 00:00:01'");
  EXPECT_EQ(literal(Timestamp{951782400, 0, 0}, col("timestamp")), "'2000-02-29 00:00:00'");
  EXPECT_EQ(literal(Timestamp{2147483647, 999999, 6}, col("timestamp")), "'2038-01-19 03:14:07.999999'");
  EXPECT_EQ(literal(Timestamp{4294967295u, 0, 0}, col("timestamp")), "'2106-02-07 06:28:15'");
  EXPECT_EQ(format_utc_timestamp(1709251199, 5, 6), "2024-02-29 23:59:59.000005");
}

TEST(Literal, TextUsesTargetCharsetIntroducerAndEscapesEverySpecialByte) {
  std::string nasty("a'b\"c\\d\0e\nf\rg\x1ah", 15);
  EXPECT_EQ(literal(Text{nasty, 45}, col("varchar", false, "utf8mb4")), "_utf8mb4'a\\'b\\\"c\\\\d\\0e\\nf\\rg\\Zh'");
  // Bytes pass through unconverted: latin1 0xE9 stays one byte.
  EXPECT_EQ(literal(Text{"\xE9", 8}, col("char", false, "latin1")), "_latin1'\xE9'");
  // Binary columns (no charset) get _binary, whatever the value's collation says.
  EXPECT_EQ(literal(Text{std::string("\xFF\x00", 2), 63}, col("varbinary")), std::string("_binary'\xFF\\0'"));
  EXPECT_EQ(literal(Text{"", 0}, col("blob")), "_binary''");
  // Invalid UTF-8 in a utf8mb4 literal is still escaped byte-wise.
  EXPECT_EQ(literal(Text{"\xC3'", 45}, col("text", false, "utf8mb4")), "_utf8mb4'\xC3\\''");
}

TEST(Literal, EnumSetBit) {
  EXPECT_EQ(literal(Enum{2}, col("enum")), "2");
  EXPECT_EQ(literal(Enum{0}, col("enum")), "0");
  EXPECT_EQ(literal(Set{0x5}, col("set")), "5");
  EXPECT_EQ(literal(Set{0xFFFFFFFFFFFFFFFFULL}, col("set")), "-1");  // signed: see literal.h
  EXPECT_EQ(literal(Bit{0b101, 3}, col("bit")), "5");
  EXPECT_EQ(literal(Bit{0x8000000000000000ULL, 64}, col("bit")), "9223372036854775808");
}

TEST(Literal, JsonGeometryVector) {
  EXPECT_EQ(literal(Json{R"({"a":"it's"})"}, col("json")), R"(CAST(_utf8mb4'{\"a\":\"it\'s\"}' AS JSON))");
  std::string point("\0\0\0\0\x01\x01\0\0\0", 9);
  EXPECT_EQ(literal(Geometry{point}, col("geometry")), std::string("_binary'\\0\\0\\0\\0\x01\x01\\0\\0\\0'"));
  EXPECT_EQ(literal(Vector{{1.0f, -2.0f}}, col("vector")), std::string("_binary'\\0\\0\x80?\\0\\0\\0\xC0'"));
  EXPECT_THROW(literal(JsonDiff{}, col("json")), Error);
}

TEST(Literal, JsonDiffExpressionAppliesOperationsInOrder) {
  JsonDiff diff;
  diff.ops.push_back({JsonDiffOp::Kind::kReplace, "$.a", "1"});
  diff.ops.push_back({JsonDiffOp::Kind::kInsert, "$.b[0]", "\"x\""});
  diff.ops.push_back({JsonDiffOp::Kind::kInsert, "$.c", "[]"});
  diff.ops.push_back({JsonDiffOp::Kind::kRemove, "$.d", ""});
  EXPECT_EQ(json_diff_expression(diff, "`j`"),
            "JSON_REMOVE(JSON_INSERT(JSON_ARRAY_INSERT(JSON_REPLACE(`j`,_utf8mb4'$.a',CAST(_utf8mb4'1' AS JSON)),"
            "_utf8mb4'$.b[0]',CAST(_utf8mb4'\\\"x\\\"' AS JSON)),_utf8mb4'$.c',CAST(_utf8mb4'[]' AS JSON)),"
            "_utf8mb4'$.d')");
}

}  // namespace
}  // namespace galaxis::sql
