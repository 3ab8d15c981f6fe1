// Pure SQL text of the sync (sql/sync/table.h): value literals per kind,
// key-range predicates (single and composite keys, open bounds), key lists,
// keyless row matches, the row hash, and the key text encoding.
#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {
namespace {

ColumnSchema column(std::string name, std::string data_type, std::string charset = "", bool nullable = true) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = std::move(data_type);
  c.column_type = c.data_type;
  c.charset = std::move(charset);
  c.nullable = nullable;
  return c;
}

TableSchema schema_with(std::vector<ColumnSchema> columns, std::vector<size_t> key) {
  TableSchema s;
  s.database = "db";
  s.table = "t";
  s.columns = std::move(columns);
  s.key_columns = std::move(key);
  s.key_kind = s.key_columns.empty() ? KeyKind::kNone : KeyKind::kPrimary;
  return s;
}

TEST(SyncTable, KindsAndSelectList) {
  ColumnSchema generated = column("g", "int");
  generated.generated = true;
  SyncTable t = make_sync_table(schema_with({column("id", "int", "", false), column("f", "float"), column("b", "bit"),
                                             column("s", "varchar", "latin1"), column("bin", "varbinary"),
                                             column("ts", "timestamp"), column("j", "json"), generated,
                                             column("dec", "decimal"), column("y", "year"), column("geo", "point")},
                                            {0}),
                                "dst");
  ASSERT_EQ(t.columns.size(), 10u);  // generated column left out
  EXPECT_EQ(t.columns[1].kind, ValueKind::kFloat);
  EXPECT_EQ(t.columns[2].kind, ValueKind::kBit);
  EXPECT_EQ(t.columns[3].kind, ValueKind::kText);
  EXPECT_EQ(t.columns[4].kind, ValueKind::kBinary);
  EXPECT_EQ(t.columns[5].kind, ValueKind::kTemporal);
  EXPECT_EQ(t.columns[6].kind, ValueKind::kJson);
  EXPECT_EQ(t.columns[7].kind, ValueKind::kNumber);
  EXPECT_EQ(t.columns[8].kind, ValueKind::kNumber);
  EXPECT_EQ(t.columns[9].kind, ValueKind::kBinary);
  EXPECT_EQ(select_list(t), "`id`,CAST(`f` AS DOUBLE),`b`+0,`s`,`bin`,`ts`,`j`,`dec`,`y`,`geo`");
  EXPECT_EQ(column_list(t), "(`id`,`f`,`b`,`s`,`bin`,`ts`,`j`,`dec`,`y`,`geo`)");
  EXPECT_EQ(t.target_name(), "`dst`.`t`");
  EXPECT_EQ(t.source_name(), "`db`.`t`");
}

TEST(SyncTable, KeyOverGeneratedColumnIsUnusable) {
  ColumnSchema generated = column("g", "int", "", false);
  generated.generated = true;
  SyncTable t = make_sync_table(schema_with({column("a", "int"), generated}, {1}), "db");
  EXPECT_FALSE(t.has_key());
}

TEST(SyncTable, ValueLiterals) {
  SyncTable t = make_sync_table(schema_with({column("n", "bigint"), column("s", "varchar", "utf8mb4"),
                                             column("b", "blob"), column("d", "datetime"), column("j", "json")},
                                            {}),
                                "db");
  std::string out;
  append_row(&out, t,
             {std::string_view("-9223372036854775808"), std::string_view("it's\n\\ \xF0\x9F\x98\x80"),
              std::string_view("\0\x1a", 2), std::string_view("0000-00-00 00:00:00"), std::nullopt});
  EXPECT_EQ(
      out,
      "(-9223372036854775808,_utf8mb4'it\\'s\\n\\\\ \xF0\x9F\x98\x80',_binary'\\0\\Z','0000-00-00 00:00:00',NULL)");
  std::string bad;
  EXPECT_THROW(append_value(&bad, t.columns[0], std::string_view("")), Error);
}

TEST(SyncTable, RangePredicates) {
  SyncTable single = make_sync_table(schema_with({column("id", "int", "", false), column("v", "int")}, {0}), "db");
  EXPECT_EQ(range_predicate(single, std::nullopt, std::nullopt), "1");
  EXPECT_EQ(range_predicate(single, KeyValue{"5"}, std::nullopt), "`id`>5");
  EXPECT_EQ(range_predicate(single, std::nullopt, KeyValue{"9"}), "`id`<=9");
  EXPECT_EQ(range_predicate(single, KeyValue{"5"}, KeyValue{"9"}), "`id`>5 AND `id`<=9");

  SyncTable composite = make_sync_table(
      schema_with({column("a", "varchar", "utf8mb4", false), column("b", "int", "", false), column("v", "int")},
                  {0, 1}),
      "db");
  EXPECT_EQ(range_predicate(composite, KeyValue{"x", "1"}, std::nullopt),
            "((`a`>_utf8mb4'x') OR (`a`=_utf8mb4'x' AND `b`>1))");
  EXPECT_EQ(range_predicate(composite, std::nullopt, KeyValue{"y", "2"}),
            "((`a`<_utf8mb4'y') OR (`a`=_utf8mb4'y' AND `b`<2) OR (`a`=_utf8mb4'y' AND `b`=2))");
  EXPECT_THROW(range_predicate(composite, KeyValue{"x"}, std::nullopt), Error);
  EXPECT_EQ(key_in_predicate(composite, {{"x", "1"}, {"y", "2"}}),
            "(`a`=_utf8mb4'x' AND `b`=1) OR (`a`=_utf8mb4'y' AND `b`=2)");
  EXPECT_EQ(key_in_predicate(single, {{"1"}, {"2"}}), "`id` IN (1,2)");
  EXPECT_EQ(key_in_predicate(single, {}), "0");
}

TEST(SyncTable, RowMatchIsByteExactAndNullSafe) {
  SyncTable t = make_sync_table(
      schema_with({column("a", "int"), column("s", "varchar", "utf8mb4"), column("f", "float")}, {}), "db");
  EXPECT_EQ(row_match_predicate(t, {std::string("1"), std::nullopt, std::string("0.5")}),
            "`a`<=>1 AND CAST(`s` AS BINARY)<=>NULL AND CAST(`f` AS DOUBLE)<=>0.5");
  EXPECT_EQ(row_match_predicate(t, {std::nullopt, std::string("Ab "), std::nullopt}),
            "`a`<=>NULL AND CAST(`s` AS BINARY)<=>_binary'Ab ' AND CAST(`f` AS DOUBLE)<=>NULL");
}

TEST(SyncTable, RowHashCoversNullFlagsAndBytes) {
  SyncTable t = make_sync_table(
      schema_with({column("id", "int", "", false), column("s", "varchar", "utf8mb4"), column("b", "bit")}, {0}), "db");
  EXPECT_EQ(row_hash_expression(t),
            "CRC32(CONCAT_WS('#',`id`,OCTET_LENGTH(CAST(`s` AS BINARY)),CAST(`s` AS "
            "BINARY),`b`+0,CONCAT(ISNULL(`s`),ISNULL(`b`))))");
  SyncTable no_nulls = make_sync_table(schema_with({column("id", "int", "", false)}, {0}), "db");
  EXPECT_EQ(row_hash_expression(no_nulls), "CRC32(CONCAT_WS('#',`id`))");
}

TEST(SyncTable, KeyTextRoundTrip) {
  const KeyValue key = {std::string("\0,\xff", 3), "", "abc"};
  EXPECT_EQ(encode_key(key), "002cff,,616263");
  EXPECT_EQ(decode_key(encode_key(key)), key);
  EXPECT_EQ(decode_key(""), KeyValue{""});
  EXPECT_THROW(decode_key("0g"), Error);
  EXPECT_THROW(decode_key("abc"), Error);
}

}  // namespace
}  // namespace galaxis::sql::sync
