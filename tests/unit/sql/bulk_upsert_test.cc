// bulk_upsert.h without a server: which columns bind, and that a held
// (encoded) row written as text is exactly the literal text append_literal
// writes — the text and bulk shapes carry the same values.
#include "galaxis/sql/bulk_upsert.h"

#include <gtest/gtest.h>

#include <limits>

#include "column_fixture.h"
#include "galaxis/sql/literal.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

using galaxis::sql::testing::col;

TEST(BulkUpsert, BindableColumns) {
  EXPECT_TRUE(bulk_bindable(col("int")));
  EXPECT_TRUE(bulk_bindable(col("bigint", true)));
  EXPECT_TRUE(bulk_bindable(col("varchar", false, "utf8mb4")));
  EXPECT_TRUE(bulk_bindable(col("char", false, "utf8mb3")));
  EXPECT_TRUE(bulk_bindable(col("longtext", false, "utf8mb4")));
  EXPECT_TRUE(bulk_bindable(col("varbinary")));
  EXPECT_TRUE(bulk_bindable(col("blob")));
  EXPECT_FALSE(bulk_bindable(col("varchar", false, "latin1")));  // would be converted from utf8mb4
  EXPECT_FALSE(bulk_bindable(col("text", false, "ucs2")));
  EXPECT_FALSE(bulk_bindable(col("binary")));  // BINARY(n): trailing 0x00 padded back by literal.cc
  EXPECT_FALSE(bulk_bindable(col("decimal")));
  EXPECT_FALSE(bulk_bindable(col("datetime")));
  EXPECT_FALSE(bulk_bindable(col("double")));
  EXPECT_FALSE(bulk_bindable(col("enum", false, "utf8mb4")));
  EXPECT_FALSE(bulk_bindable(col("bit")));
  EXPECT_FALSE(bulk_bindable(col("year")));
  EXPECT_FALSE(bulk_bindable(col("uuid")));
  ColumnSchema generated = col("int");
  generated.generated = true;
  EXPECT_FALSE(bulk_bindable(generated));
}

TEST(BulkUpsert, HeldRowsAsTextAreTheLiterals) {
  const std::vector<ColumnSchema> columns = {col("tinyint", true),
                                             col("int"),
                                             col("bigint", true),
                                             col("bigint"),
                                             col("varchar", false, "utf8mb4"),
                                             col("text", false, "utf8mb3"),
                                             col("varbinary"),
                                             col("blob")};
  const std::vector<std::vector<Value>> rows = {
      {int64_t{-1}, int64_t{-2147483648LL}, uint64_t{18446744073709551615ULL},
       int64_t{std::numeric_limits<int64_t>::min()}, Text{"a'b\\c\n\x00z" + std::string("\xF0\x9F\x98\x80")},
       Text{"\xC3\xA9"}, Text{std::string("\x00\x01\x00", 3)}, Text{""}},
      {Null{}, Null{}, int64_t{-1}, uint64_t{5}, Null{}, Text{""}, Null{}, Text{std::string(300, '\xFF')}},
  };
  for (const auto& row : rows) {
    std::string encoded;
    std::string expected = "(";
    for (size_t c = 0; c < columns.size(); ++c) {
      ASSERT_TRUE(encode_bulk_value(&encoded, row[c], columns[c])) << c;
      if (c > 0) expected += ",";
      append_literal(&expected, row[c], columns[c]);
    }
    expected += ")";
    std::string text;
    append_bulk_row_literal(&text, encoded, columns);
    EXPECT_EQ(text, expected);
  }
  // -1 read from a binlog without signedness is 255 in an unsigned TINYINT, as in literal.cc.
  std::string encoded, text;
  ASSERT_TRUE(encode_bulk_value(&encoded, int64_t{-1}, col("tinyint", true)));
  append_bulk_row_literal(&text, encoded, {col("tinyint", true)});
  EXPECT_EQ(text, "(255)");
}

TEST(BulkUpsert, ValuesThatDoNotBindAreRefused) {
  std::string out;
  EXPECT_FALSE(encode_bulk_value(&out, uint64_t{9223372036854775808ULL}, col("bigint")));  // above a signed column
  EXPECT_FALSE(encode_bulk_value(&out, Text{"1"}, col("int")));
  EXPECT_FALSE(encode_bulk_value(&out, int64_t{1}, col("varchar", false, "utf8mb4")));
  EXPECT_FALSE(encode_bulk_value(&out, Decimal{"1.5"}, col("varchar", false, "utf8mb4")));
  std::string text;
  EXPECT_THROW(append_bulk_row_literal(&text, "S\x05", {col("blob")}), Error);  // truncated: a bug, not data
}

}  // namespace
}  // namespace galaxis::sql
