// jsonl formatting of hand-built events: every value mapping of the jsonl
// contract (README.md, "binlog dump --format jsonl"), checked by parsing the
// produced line back with nlohmann-json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "galaxis/binlog/format_json.h"

namespace galaxis::binlog {
namespace {

using nlohmann::json;

json value_json(const Value& value) {
  JsonFormatter formatter;
  std::string out;
  formatter.append_value(value, out);
  return json::parse(out);
}

std::string value_text(const Value& value) {
  JsonFormatter formatter;
  std::string out;
  formatter.append_value(value, out);
  return out;
}

std::shared_ptr<const TableMap> make_table() {
  auto map = std::make_shared<TableMap>();
  map->table_id = 17;
  map->database = "shop";
  map->table = "orders";
  ColumnInfo id;
  id.type = id.real_type = ColumnType::kLong;
  id.name = "id";
  ColumnInfo name;
  name.type = name.real_type = ColumnType::kVarchar;
  name.meta = 80;
  name.name = "name";
  name.collation = 45;
  map->columns = {id, name};
  return map;
}

Event make_rows_event(RowsKind kind, uint8_t type_code) {
  Event event;
  event.header.timestamp = 1700000000;
  event.header.type_code = type_code;
  event.header.server_id = 7;
  event.offset = 1000;
  RowsEvent rows;
  rows.kind = kind;
  rows.table_id = 17;
  rows.flags = 1;
  rows.column_count = 2;
  rows.columns_before = {true, true};
  rows.columns_after = {true, true};
  rows.table = make_table();
  RowChange change;
  if (kind != RowsKind::kWrite) change.before = {int64_t{1}, Text{"old", 45}};
  if (kind != RowsKind::kDelete) change.after = {int64_t{1}, Text{"new", 45}};
  rows.rows.push_back(change);
  event.body = std::move(rows);
  return event;
}

json event_json(const Event& event, EventLocation where = {"binlog.000001", 1000, 1100, false}) {
  JsonFormatter formatter;
  std::string out;
  formatter.append_event(event, where, out);
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line per event";
  return json::parse(out);
}

TEST(DumpFormatJson, Integers) {
  EXPECT_EQ(value_text(int64_t{std::numeric_limits<int64_t>::min()}), "-9223372036854775808");
  EXPECT_EQ(value_text(uint64_t{std::numeric_limits<uint64_t>::max()}), "18446744073709551615");
  EXPECT_EQ(value_json(uint64_t{18446744073709551615ULL}).get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(value_text(int64_t{-128}), "-128");
  EXPECT_EQ(value_text(Year{2155}), "2155");
  EXPECT_EQ(value_text(Year{0}), "0");
  EXPECT_EQ(value_text(Null{}), "null");
}

TEST(DumpFormatJson, DecimalIsAStringWithItsScale) {
  EXPECT_EQ(value_json(Decimal{"-12.340"}), json("-12.340"));
  const std::string digits65(65, '9');
  EXPECT_EQ(value_json(Decimal{"-" + digits65}), json("-" + digits65));
}

TEST(DumpFormatJson, FloatsAreShortestRoundTrip) {
  EXPECT_EQ(value_text(1.1f), "1.1");
  EXPECT_EQ(value_text(-3.4028235e38f), "-3.4028235e+38");
  EXPECT_EQ(value_json(0.1 + 0.2).get<double>(), 0.1 + 0.2);
  EXPECT_EQ(value_json(-1.7976931348623157e308).get<double>(), -1.7976931348623157e308);
}

TEST(DumpFormatJson, TemporalValues) {
  EXPECT_EQ(value_json(Date{2024, 2, 29}), json("2024-02-29"));
  EXPECT_EQ(value_json(Date{0, 0, 0}), json("0000-00-00"));
  EXPECT_EQ(value_json(DateTime{1000, 1, 1, 0, 0, 0, 0, 0}), json("1000-01-01 00:00:00"));
  EXPECT_EQ(value_json(DateTime{9999, 12, 31, 23, 59, 59, 999999, 6}), json("9999-12-31 23:59:59.999999"));
  EXPECT_EQ(value_json(DateTime{2020, 5, 6, 7, 8, 9, 120000, 3}), json("2020-05-06 07:08:09.120"));
  EXPECT_EQ(value_json(Timestamp{1700000000, 0, 0}), json("2023-11-14 22:13:20"));
  EXPECT_EQ(value_json(Timestamp{2147483647, 999999, 6}), json("2038-01-19 03:14:07.999999"));
  EXPECT_EQ(value_json(Timestamp{0, 0, 2}), json("0000-00-00 00:00:00.00"));
  EXPECT_EQ(value_json(Timestamp{1, 500000, 1}), json("1970-01-01 00:00:01.5"));
  EXPECT_EQ(value_json(Time{true, 838, 59, 59, 0, 0}), json("-838:59:59"));
  EXPECT_EQ(value_json(Time{false, 1, 2, 3, 450000, 2}), json("01:02:03.45"));
  EXPECT_EQ(value_json(Time{true, 0, 0, 0, 1, 6}), json("-00:00:00.000001"));
}

TEST(DumpFormatJson, TextConvertedToUtf8) {
  EXPECT_EQ(value_json(Text{"caf\xc3\xa9 \xf0\x9f\x98\x80", 45}), json("caf\xc3\xa9 \xf0\x9f\x98\x80"));  // utf8mb4
  EXPECT_EQ(value_json(Text{"caf\xe9 \x80", 8}), json("caf\xc3\xa9 \xe2\x82\xac"));  // latin1 = cp1252
  EXPECT_EQ(value_json(Text{"\x81\x8d", 8}), json("\xc2\x81\xc2\x8d"));              // latin1 holes: C1 controls
  EXPECT_EQ(value_json(Text{"\xcf\xf0\xe8\xe2\xe5\xf2", 51}), json("Привет"));       // cp1251_general_ci
  EXPECT_EQ(value_json(Text{"\xc4\xe3", 28}), json("\xe4\xbd\xa0"));                 // gbk: 你
  EXPECT_EQ(value_json(Text{std::string("\x00\x41", 2), 35}), json("A"));            // ucs2
  EXPECT_EQ(value_json(Text{std::string("\x00\x00\x00\x41", 4), 60}), json("A"));    // utf32
  EXPECT_EQ(value_json(Text{"\x82\xa0", 13}), json("\xe3\x81\x82"));                 // sjis: あ
  EXPECT_EQ(value_json(Text{"", 45}), json(""));
  EXPECT_EQ(value_json(Text{"plain", 0}), json("plain"));  // unknown charset, valid UTF-8
  EXPECT_EQ(value_json(Text{"x", 2304}), json("x"));       // MariaDB utf8mb4_uca1400_ai_ci
  EXPECT_EQ(value_json(Text{"y", 255}), json("y"));        // MySQL utf8mb4_0900_ai_ci
  std::string with_controls("a\"b\\c\n\x01", 7);
  EXPECT_EQ(value_json(Text{with_controls, 45}).get<std::string>(), with_controls);
}

TEST(DumpFormatJson, BinaryAndInvalidTextAreBase64) {
  EXPECT_EQ(value_json(Text{std::string("\x00\xff\x00", 3), 63}), json({{"base64", "AP8A"}}));
  EXPECT_EQ(value_json(Text{"", 63}), json({{"base64", ""}}));
  EXPECT_EQ(value_json(Text{"\xff\xfe", 45}), json({{"base64", "//4="}}));      // not UTF-8
  EXPECT_EQ(value_json(Text{"\xc0\x80", 0}), json({{"base64", "wIA="}}));       // overlong NUL
  EXPECT_EQ(value_json(Text{"\xed\xa0\x80", 33}), json({{"base64", "7aCA"}}));  // surrogate
  EXPECT_EQ(value_json(Text{"\x80", 11}), json({{"base64", "gA=="}}));          // ascii
  EXPECT_EQ(value_json(Geometry{std::string("\x00\x00\x00\x00\x01", 5)}), json({{"base64", "AAAAAAE="}}));
}

TEST(DumpFormatJson, EnumSetBit) {
  EXPECT_EQ(value_json(Enum{1}), json(1));
  EXPECT_EQ(value_json(Enum{65535}), json(65535));
  EXPECT_EQ(value_json(Set{0xFFFFFFFFFFFFFFFFULL}).get<uint64_t>(), 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_EQ(value_json(Bit{0x8000000000000001ULL, 64}).get<uint64_t>(), 0x8000000000000001ULL);
  EXPECT_EQ(value_json(Bit{1, 1}), json(1));
}

TEST(DumpFormatJson, JsonIsEmbedded) {
  EXPECT_EQ(value_json(Json{R"({"a":[1,2.5,"x",null,true]})"}), json::parse(R"({"a":[1,2.5,"x",null,true]})"));
  EXPECT_EQ(value_json(Json{"18446744073709551615"}).get<uint64_t>(), 18446744073709551615ULL);
  // Not JSON (should never come from the decoder): kept as a string.
  EXPECT_EQ(value_json(Json{"{broken"}), json("{broken"));
  JsonDiff diff;
  diff.ops.push_back({JsonDiffOp::Kind::kReplace, "$.a", "1"});
  diff.ops.push_back({JsonDiffOp::Kind::kInsert, "$.b[0]", R"("x")"});
  diff.ops.push_back({JsonDiffOp::Kind::kRemove, "$.c", ""});
  EXPECT_EQ(value_json(diff), json::parse(R"([{"op":"replace","path":"$.a","value":1},)"
                                          R"({"op":"insert","path":"$.b[0]","value":"x"},)"
                                          R"({"op":"remove","path":"$.c"}])"));
}

TEST(DumpFormatJson, VectorIsANumberArray) {
  EXPECT_EQ(value_json(Vector{{1.5f, -0.1f, 3e38f}}), json::parse("[1.5,-0.1,3e38]"));
  EXPECT_EQ(value_json(Vector{}), json::array());
}

TEST(DumpFormatJson, HeaderFields) {
  Event event;
  event.header.timestamp = 1700000000;
  event.header.type_code = static_cast<uint8_t>(EventType::kXid);
  event.header.server_id = 4294967295u;
  event.body = XidEvent{123456789012345ULL};
  const json j = event_json(event, {"dir/binlog.000003", 4, 31, false});
  EXPECT_EQ(j["file"], "dir/binlog.000003");
  EXPECT_EQ(j["pos"], 4);
  EXPECT_EQ(j["next_pos"], 31);
  EXPECT_EQ(j["type"], "xid");
  EXPECT_EQ(j["ts"], 1700000000);
  EXPECT_EQ(j["server_id"], 4294967295u);
  EXPECT_EQ(j["xid"], 123456789012345ULL);
  EXPECT_FALSE(j.contains("in_payload"));
  // Key order as documented: file first.
  JsonFormatter formatter;
  std::string out;
  formatter.append_event(event, {"f", 4, 31, true}, out);
  EXPECT_EQ(out.rfind(R"({"file":"f","pos":4,"next_pos":31,"type":"xid","ts":1700000000,)", 0), 0u) << out;
  EXPECT_NE(out.find(R"("in_payload":true)"), std::string::npos);
}

TEST(DumpFormatJson, WriteUpdateDeleteRows) {
  const json write = event_json(make_rows_event(RowsKind::kWrite, 30));
  EXPECT_EQ(write["type"], "write_rows");
  EXPECT_EQ(write["db"], "shop");
  EXPECT_EQ(write["table"], "orders");
  EXPECT_EQ(write["rows"], json::parse(R"([{"after":[1,"new"]}])"));

  const json update = event_json(make_rows_event(RowsKind::kUpdate, 31));
  EXPECT_EQ(update["type"], "update_rows");
  EXPECT_EQ(update["rows"], json::parse(R"([{"before":[1,"old"],"after":[1,"new"]}])"));

  const json remove = event_json(make_rows_event(RowsKind::kDelete, 32));
  EXPECT_EQ(remove["type"], "delete_rows");
  EXPECT_EQ(remove["rows"], json::parse(R"([{"before":[1,"old"]}])"));
}

TEST(DumpFormatJson, QueryAndFormatDescriptionAndRotate) {
  Event query;
  query.header.type_code = static_cast<uint8_t>(EventType::kQuery);
  QueryEvent q;
  q.database = "shop";
  q.query = "INSERT INTO t VALUES ('\xe9')";  // latin1 statement bytes: not UTF-8
  query.body = q;
  json j = event_json(query);
  EXPECT_EQ(j["type"], "query");
  EXPECT_EQ(j["db"], "shop");
  EXPECT_TRUE(j["sql"].contains("base64"));

  q.query = "BEGIN";
  query.body = q;
  EXPECT_EQ(event_json(query)["sql"], "BEGIN");

  Event fde;
  fde.header.type_code = static_cast<uint8_t>(EventType::kFormatDescription);
  FormatDescriptionEvent f;
  f.server_version = "10.11.6-MariaDB-log";
  f.checksum = ChecksumAlgorithm::kCrc32;
  fde.body = f;
  j = event_json(fde);
  EXPECT_EQ(j["type"], "format_description");
  EXPECT_EQ(j["server_version"], "10.11.6-MariaDB-log");
  EXPECT_EQ(j["checksum"], "crc32");

  Event rotate;
  rotate.header.type_code = static_cast<uint8_t>(EventType::kRotate);
  rotate.body = RotateEvent{4, "binlog.000002"};
  j = event_json(rotate);
  EXPECT_EQ(j["type"], "rotate");
  EXPECT_EQ(j["next_file"], "binlog.000002");
  EXPECT_EQ(j["position"], 4);
}

TEST(DumpFormatJson, MariaGtidUsesHeaderServerId) {
  Event gtid;
  gtid.header.type_code = static_cast<uint8_t>(EventType::kMariaGtid);
  gtid.header.server_id = 3;
  MariaGtidEvent g;
  g.domain_id = 1;
  g.sequence = 99;
  g.flags = 1;
  gtid.body = g;
  const json j = event_json(gtid);
  EXPECT_EQ(j["gtid"], "1-3-99");
  EXPECT_EQ(j["standalone"], true);
}

TEST(DumpFormatJson, TableMapColumns) {
  Event event;
  event.header.type_code = static_cast<uint8_t>(EventType::kTableMap);
  event.body = make_table();
  const json j = event_json(event);
  EXPECT_EQ(j["type"], "table_map");
  EXPECT_EQ(j["db"], "shop");
  EXPECT_EQ(j["table"], "orders");
  ASSERT_EQ(j["columns"].size(), 2u);
  EXPECT_EQ(j["columns"][0]["name"], "id");
  EXPECT_EQ(j["columns"][0]["type"], "LONG");
  EXPECT_EQ(j["columns"][1]["type"], "VARCHAR");
  EXPECT_EQ(j["columns"][1]["charset"], "utf8mb4");
}

}  // namespace
}  // namespace galaxis::binlog
