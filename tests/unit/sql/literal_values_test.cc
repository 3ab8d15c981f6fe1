// Values whose binlog form is not what the target column takes as is
// (issue #14): BINARY(n) and MariaDB UUID/INET6/INET4 lose their trailing
// zero bytes in the binlog; JSON documents whose text loses a type.
#include <gtest/gtest.h>

#include "galaxis/sql/literal.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

ColumnSchema col(std::string data_type, std::string column_type) {
  ColumnSchema c;
  c.name = "c";
  c.data_type = std::move(data_type);
  c.column_type = std::move(column_type);
  return c;
}

TEST(LiteralValues, BinaryIsPaddedToItsLength) {
  EXPECT_EQ(literal(Text{"A", 63}, col("binary", "binary(4)")), "_binary'A\\0\\0\\0'");
  EXPECT_EQ(literal(Text{"", 63}, col("binary", "binary(2)")), "_binary'\\0\\0'");
  EXPECT_EQ(literal(Text{"ABCD", 63}, col("binary", "binary(4)")), "_binary'ABCD'");
  EXPECT_EQ(literal(Text{"", 63}, col("binary", "binary")), "_binary'\\0'");  // BINARY = BINARY(1)
  // VARBINARY keeps its bytes: trailing zeros are data there.
  EXPECT_EQ(literal(Text{"A", 63}, col("varbinary", "varbinary(4)")), "_binary'A'");
}

TEST(LiteralValues, MariaDbUuidIsItsCanonicalText) {
  // 123e4567-e89b-12d3-a456-426655440000 arrives without its two zero bytes.
  const std::string bytes("\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x55\x44", 14);
  EXPECT_EQ(literal(Text{bytes, 63}, col("uuid", "uuid")), "'123e4567-e89b-12d3-a456-426655440000'");
  EXPECT_EQ(literal(Text{"", 63}, col("uuid", "uuid")), "'00000000-0000-0000-0000-000000000000'");
  EXPECT_EQ(literal(Text{std::string(16, '\xff'), 63}, col("uuid", "uuid")), "'ffffffff-ffff-ffff-ffff-ffffffffffff'");
}

TEST(LiteralValues, MariaDbInetIsPaddedBinary) {
  const std::string zeros16 = "\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0";
  EXPECT_EQ(literal(Text{"", 63}, col("inet6", "inet6")), "_binary'" + zeros16 + "'");  // '::'
  // 2001:db8:: (0x0d is escaped as \r)
  EXPECT_EQ(literal(Text{std::string("\x20\x01\x0d\xb8", 4), 63}, col("inet6", "inet6")),
            "_binary'\x20\x01\\r\xb8" + zeros16.substr(8) + "'");
  EXPECT_EQ(literal(Text{"\x0a", 63}, col("inet4", "inet4")), "_binary'\\n\\0\\0\\0'");
  EXPECT_EQ(literal(Text{"", 63}, col("inet4", "inet4")), "_binary'\\0\\0\\0\\0'");  // 0.0.0.0
}

TEST(LiteralValues, SetWithTheSixtyFourthMemberIsSigned) {
  EXPECT_EQ(literal(Set{9223372036854775809ULL}, col("set", "set('s1',...)")), "-9223372036854775807");
  EXPECT_EQ(literal(Set{~0ULL}, col("set", "set('s1',...)")), "-1");
  EXPECT_EQ(literal(Set{9223372036854775807ULL}, col("set", "set('s1',...)")), "9223372036854775807");
}

TEST(LiteralValues, JsonWithAnExactExpressionUsesIt) {
  EXPECT_EQ(literal(Json{"1.05", "JSON_EXTRACT(JSON_ARRAY(CAST(1.05 AS DECIMAL(4,2))),'$[0]')"}, col("json", "json")),
            "JSON_EXTRACT(JSON_ARRAY(CAST(1.05 AS DECIMAL(4,2))),'$[0]')");
  EXPECT_EQ(literal(Json{"1.5", ""}, col("json", "json")), "CAST(_utf8mb4'1.5' AS JSON)");
}

}  // namespace
}  // namespace galaxis::sql
