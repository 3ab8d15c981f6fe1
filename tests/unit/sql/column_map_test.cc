// Hidden columns and system versioning in the statement builder (issue 14):
// byte-exact SQL for hand-built schemas shaped like SchemaCache's.
#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/sql/statement_builder.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

ColumnSchema column(std::string name, std::string type, std::string column_type) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = std::move(type);
  c.column_type = std::move(column_type);
  return c;
}

ColumnSchema hidden(std::string name, ColumnRole role) {
  ColumnSchema c = role == ColumnRole::kLongUniqueHash ? column(std::move(name), "bigint", "bigint(20)")
                                                       : column(std::move(name), "timestamp", "timestamp(6)");
  c.generated = true;
  c.hidden = true;
  c.role = role;
  return c;
}

// (id INT PRIMARY KEY, b BLOB, UNIQUE KEY (b)) [WITH SYSTEM VERSIONING]
TableSchema table(bool versioned) {
  TableSchema t;
  t.database = "d";
  t.table = "t";
  t.columns = {column("id", "int", "int(11)"), column("b", "blob", "blob")};
  t.columns[0].nullable = false;
  t.key_kind = KeyKind::kPrimary;
  t.key_name = "PRIMARY";
  t.key_columns = {0};
  if (versioned) {
    t.row_start = t.columns.size();
    t.columns.push_back(hidden("row_start", ColumnRole::kRowStart));
    t.row_end = t.columns.size();
    t.columns.push_back(hidden("row_end", ColumnRole::kRowEnd));
    t.versioning = Versioning::kTimestamp;
  }
  t.columns.push_back(hidden("DB_ROW_HASH_1", ColumnRole::kLongUniqueHash));
  return t;
}

std::shared_ptr<TableMap> map_of(std::vector<ColumnType> types, std::vector<std::string> names = {}) {
  auto m = std::make_shared<TableMap>();
  m->database = "d";
  m->table = "t";
  for (size_t i = 0; i < types.size(); ++i) {
    ColumnInfo c;
    c.type = c.real_type = types[i];
    if (!names.empty()) c.name = names[i];
    m->columns.push_back(c);
  }
  m->has_column_names = !names.empty();
  return m;
}

RowsEvent event(RowsKind kind, std::shared_ptr<TableMap> map, std::vector<RowChange> rows) {
  RowsEvent e;
  e.kind = kind;
  e.column_count = static_cast<uint32_t>(map->columns.size());
  e.columns_before.assign(kind == RowsKind::kWrite ? 0 : e.column_count, true);
  e.columns_after.assign(kind == RowsKind::kDelete ? 0 : e.column_count, true);
  e.rows = std::move(rows);
  e.table = std::move(map);
  return e;
}

const Timestamp kMax{2147483647, 999999, 6};
Timestamp at(uint32_t s, uint32_t us) { return Timestamp{s, us, 6}; }

TEST(ColumnMap, LongUniqueHashIsMappedByPositionAndNeverWritten) {
  TableSchema t = table(false);
  auto m = map_of({ColumnType::kLong, ColumnType::kBlob, ColumnType::kLongLong});
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kWrite, m, {{{}, {int64_t{1}, Text{"a", 63}, int64_t{740}}}}), t);
  batch.add_rows(event(RowsKind::kUpdate, m,
                       {{{int64_t{1}, Text{"a", 63}, int64_t{740}}, {int64_t{1}, Text{"bb", 63}, int64_t{195791}}}}),
                 t);
  EXPECT_EQ(batch.sql(),
            "INSERT INTO `d`.`t` (`id`,`b`) VALUES (1,_binary'a');"
            "UPDATE `d`.`t` SET `b`=_binary'bb' WHERE `id`=1");
}

TEST(ColumnMap, HiddenColumnsMapByNameWithFullMetadata) {
  TableSchema t = table(false);
  auto m = map_of({ColumnType::kLong, ColumnType::kBlob, ColumnType::kLongLong}, {"id", "b", "DB_ROW_HASH_1"});
  ColumnMap map = map_columns(event(RowsKind::kWrite, m, {}), t);
  EXPECT_EQ(map.after, (std::vector<size_t>{0, 1, 2}));
}

TEST(ColumnMap, AMismatchNamesBothColumnListsAndWhatToDo) {
  TableSchema t = table(false);
  try {
    map_columns(event(RowsKind::kWrite, map_of({ColumnType::kLong, ColumnType::kBlob}), {}), t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_STREQ(e.what(),
                 "row event for `d`.`t` does not fit the target table: the binlog has 2 columns but the target table "
                 "has 3 (the schemas differ). The binlog has 2 column(s): (LONG, BLOB); the target has 3: (`id` "
                 "int(11), `b` blob, `DB_ROW_HASH_1` bigint(20) [hidden long-UNIQUE hash]). Without "
                 "binlog_row_metadata=FULL columns are matched by position, so the passive's table must have the "
                 "master's columns in the master's order (replay the master's DDL, or copy the table again with "
                 "galaxis-relay sync); SET GLOBAL binlog_row_metadata=FULL on the master matches them by name "
                 "instead.");
  }
  // Same count, but a hidden column's position holds another type: refused.
  EXPECT_THROW(
      map_columns(event(RowsKind::kWrite, map_of({ColumnType::kLong, ColumnType::kBlob, ColumnType::kLong}), {}), t),
      Error);
  // By name: a column the target lacks.
  try {
    map_columns(event(RowsKind::kWrite, map_of({ColumnType::kLong, ColumnType::kLong}, {"id", "gone"}), {}), t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column `gone` does not exist on the target"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("(`id` LONG, `gone` LONG)"), std::string::npos) << e.what();
  }
}

TEST(SystemVersioning, InsertUpdateDeleteAndTheHistoryRowTheTargetWritesItself) {
  TableSchema t = table(true);
  auto m = map_of(
      {ColumnType::kLong, ColumnType::kBlob, ColumnType::kTimestamp2, ColumnType::kTimestamp2, ColumnType::kLongLong});
  StatementBatch batch;
  // INSERT of a current row and of a history row (insert_history on the master).
  batch.add_rows(event(RowsKind::kWrite, m,
                       {{{}, {int64_t{1}, Text{"a", 63}, at(1700000000, 123456), kMax, int64_t{7}}},
                        {{}, {int64_t{5}, Text{"h", 63}, at(1700000000, 0), at(1700000003, 100000), int64_t{8}}}}),
                 t);
  // UPDATE: Update_rows, then the master's history row (skipped).
  batch.add_rows(event(RowsKind::kUpdate, m,
                       {{{int64_t{1}, Text{"a", 63}, at(1700000000, 123456), kMax, int64_t{7}},
                         {int64_t{1}, Text{"b", 63}, at(1700000001, 500000), kMax, int64_t{9}}}}),
                 t);
  batch.add_rows(event(RowsKind::kWrite, m,
                       {{{}, {int64_t{1}, Text{"a", 63}, at(1700000000, 123456), at(1700000001, 500000), int64_t{7}}}}),
                 t);
  // DELETE: an Update_rows ending the row.
  batch.add_rows(event(RowsKind::kUpdate, m,
                       {{{int64_t{1}, Text{"b", 63}, at(1700000001, 500000), kMax, int64_t{9}},
                         {int64_t{1}, Text{"b", 63}, at(1700000001, 500000), at(1700000002, 250000), int64_t{9}}}}),
                 t);
  EXPECT_EQ(batch.sql(),
            "SET STATEMENT system_versioning_insert_history=1 FOR INSERT INTO `d`.`t` (`id`,`b`,`row_start`,`row_end`) "
            "VALUES (1,_binary'a','2023-11-14 22:13:20.123456',DEFAULT),"
            "(5,_binary'h','2023-11-14 22:13:20.000000','2023-11-14 22:13:23.100000');"
            "SET STATEMENT timestamp=1700000001.500000 FOR UPDATE `d`.`t` SET `b`=_binary'b' WHERE `id`=1;"
            "SET STATEMENT timestamp=1700000002.250000 FOR DELETE FROM `d`.`t` WHERE `id`=1");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{2, 1, 1}));
}

TEST(SystemVersioning, DeleteRowsOfHistoryStopWithAnError) {
  TableSchema t = table(true);
  auto m = map_of(
      {ColumnType::kLong, ColumnType::kBlob, ColumnType::kTimestamp2, ColumnType::kTimestamp2, ColumnType::kLongLong});
  StatementBatch batch;
  try {
    batch.add_rows(event(RowsKind::kDelete, m,
                         {{{int64_t{1}, Text{"a", 63}, at(1700000000, 0), at(1700000001, 0), int64_t{7}}, {}}}),
                   t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("DELETE HISTORY"), std::string::npos);
  }
}

}  // namespace
}  // namespace galaxis::sql
