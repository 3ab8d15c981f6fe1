// Text listing of hand-built events (the `binlog dump --format text` view).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "galaxis/binlog/format_text.h"

namespace galaxis::binlog {
namespace {

std::string value_text(const Value& value) {
  std::string out;
  append_value_text(value, out);
  return out;
}

std::string event_text(const Event& event, EventLocation where = {"binlog.000001", 1000, 1100, false}) {
  std::string out;
  append_event_text(event, where, out);
  return out;
}

TEST(DumpFormatText, Values) {
  EXPECT_EQ(value_text(Null{}), "NULL");
  EXPECT_EQ(value_text(int64_t{-9223372036854775807LL - 1}), "-9223372036854775808");
  EXPECT_EQ(value_text(uint64_t{18446744073709551615ULL}), "18446744073709551615");
  EXPECT_EQ(value_text(Decimal{"-0.50"}), "-0.50");
  EXPECT_EQ(value_text(1.5f), "1.5");
  EXPECT_EQ(value_text(Text{std::string("it's\\ \x00\n\x01\xc3\xa9", 11), 45}), "'it\\'s\\\\ \\0\\n\\x01\xc3\xa9'");
  EXPECT_EQ(value_text(Date{2024, 1, 2}), "'2024-01-02'");
  EXPECT_EQ(value_text(Time{true, 100, 0, 1, 5, 6}), "'-100:00:01.000005'");
  EXPECT_EQ(value_text(DateTime{2024, 1, 2, 3, 4, 5, 600000, 1}), "'2024-01-02 03:04:05.6'");
  EXPECT_EQ(value_text(Timestamp{86400, 0, 0}), "'1970-01-02 00:00:00' /* UTC */");
  EXPECT_EQ(value_text(Bit{5, 4}), "b'0101'");
  EXPECT_EQ(value_text(Geometry{"\x01\xab"}), "x'01AB'");
  EXPECT_EQ(value_text(Vector{{1.0f, 2.5f}}), "[1,2.5]");
  EXPECT_EQ(value_text(Enum{3}), "3");
  EXPECT_EQ(value_text(Json{R"({"a":1})"}), R"('{"a":1}')");
}

TEST(DumpFormatText, UpdateRowsBlock) {
  auto map = std::make_shared<TableMap>();
  map->table_id = 5;
  map->database = "db";
  map->table = "t";
  ColumnInfo a, b, c;
  a.type = a.real_type = ColumnType::kLong;
  a.name = "id";
  b.type = b.real_type = ColumnType::kVarchar;
  c.type = c.real_type = ColumnType::kLong;
  c.name = "n";
  map->columns = {a, b, c};

  Event event;
  event.header.timestamp = 86400;
  event.header.type_code = static_cast<uint8_t>(EventType::kUpdateRowsV2);
  event.header.server_id = 9;
  RowsEvent rows;
  rows.kind = RowsKind::kUpdate;
  rows.table_id = 5;
  rows.flags = 1;
  rows.column_count = 3;
  rows.columns_before = {true, true, true};
  rows.columns_after = {true, false, true};  // MINIMAL-style after image
  rows.table = map;
  rows.rows.push_back({{int64_t{1}, Text{"x", 45}, int64_t{2}}, {int64_t{1}, int64_t{3}}});
  event.body = rows;

  EXPECT_EQ(event_text(event, {"f", 200, 300, false}),
            "# at 200\n"
            "#1970-01-02 00:00:00 UTC server id 9  end_log_pos 300  update_rows table_id 5 flags STMT_END_F\n"
            "### UPDATE `db`.`t`\n"
            "### WHERE\n"
            "###   @1=1 /* id */\n"
            "###   @2='x'\n"
            "###   @3=2 /* n */\n"
            "### SET\n"
            "###   @1=1 /* id */\n"
            "###   @3=3 /* n */\n");
}

TEST(DumpFormatText, QueryBlock) {
  Event event;
  event.header.type_code = static_cast<uint8_t>(EventType::kQuery);
  event.header.server_id = 1;
  QueryEvent q;
  q.database = "shop";
  q.query = "CREATE TABLE t (a INT)";
  q.thread_id = 8;
  event.body = q;
  const std::string text = event_text(event, {"f", 4, 50, true});
  EXPECT_NE(text.find("# at 4 (in transaction payload)\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("  query thread_id=8 exec_time=0 error_code=0\nuse `shop`/*!*/;\nCREATE TABLE t (a INT)\n/*!*/;\n"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace galaxis::binlog
