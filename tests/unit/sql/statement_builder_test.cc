// Statement shapes for row events: byte-exact expected SQL.
#include "galaxis/sql/statement_builder.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

ColumnSchema column(std::string name, std::string type, std::string charset = "") {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = std::move(type);
  c.charset = std::move(charset);
  return c;
}

TableSchema keyed_table() {
  TableSchema t;
  t.database = "shop";
  t.table = "orders";
  t.columns = {column("id", "int"), column("name", "varchar", "utf8mb4"), column("price", "decimal")};
  t.columns[0].nullable = false;
  t.key_kind = KeyKind::kPrimary;
  t.key_name = "PRIMARY";
  t.key_columns = {0};
  return t;
}

RowsEvent event(RowsKind kind, uint32_t columns, std::vector<RowChange> rows) {
  RowsEvent e;
  e.kind = kind;
  e.column_count = columns;
  e.columns_before.assign(kind == RowsKind::kWrite ? 0 : columns, true);
  e.columns_after.assign(kind == RowsKind::kDelete ? 0 : columns, true);
  e.rows = std::move(rows);
  return e;
}

RowChange write(RowImage after) { return RowChange{{}, std::move(after)}; }
RowChange remove(RowImage before) { return RowChange{std::move(before), {}}; }
RowChange update(RowImage before, RowImage after) { return RowChange{std::move(before), std::move(after)}; }

TEST(StatementBatch, ConsecutiveWritesOfOneTableBecomeOneMultiRowInsert) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Text{"a", 45}, Decimal{"1.50"}})}), t);
  batch.add_rows(
      event(RowsKind::kWrite, 3,
            {write({int64_t{2}, Null{}, Decimal{"2.00"}}), write({int64_t{3}, Text{"c'", 45}, Decimal{"0"}})}),
      t);
  EXPECT_EQ(batch.sql(),
            "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (1,_utf8mb4'a',1.50),(2,NULL,2.00),"
            "(3,_utf8mb4'c\\'',0)");
  ASSERT_EQ(batch.expected().size(), 1u);
  EXPECT_EQ(batch.expected()[0], 3);
}

TEST(StatementBatch, InsertSplitsAtTheStatementSizeLimit) {
  TableSchema t = keyed_table();
  StatementBatch batch(40);
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Null{}, Null{}}), write({int64_t{2}, Null{}, Null{}})}),
                 t);
  EXPECT_EQ(batch.sql(),
            "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (1,NULL,NULL);"
            "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (2,NULL,NULL)");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{1, 1}));
}

TEST(StatementBatch, DeletesByKeyAreBatchedIntoInList) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kDelete, 3,
                       {remove({int64_t{1}, Text{"a", 45}, Decimal{"1"}}), remove({int64_t{2}, Null{}, Null{}})}),
                 t);
  batch.add_rows(event(RowsKind::kDelete, 3, {remove({int64_t{9}, Null{}, Null{}})}), t);
  EXPECT_EQ(batch.sql(), "DELETE FROM `shop`.`orders` WHERE `id` IN (1,2,9)");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{3}));
}

TEST(StatementBatch, CompositeKeyDeleteUsesRowConstructors) {
  TableSchema t = keyed_table();
  t.key_columns = {0, 1};
  t.columns[1].nullable = false;
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kDelete, 3,
                       {remove({int64_t{1}, Text{"a", 45}, Null{}}), remove({int64_t{1}, Text{"b", 45}, Null{}})}),
                 t);
  EXPECT_EQ(batch.sql(), "DELETE FROM `shop`.`orders` WHERE (`id`,`name`) IN ((1,_utf8mb4'a'),(1,_utf8mb4'b'))");
}

TEST(StatementBatch, UpdateByKeySetsOnlyChangedColumnsAndCanChangeTheKey) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kUpdate, 3,
                       {update({int64_t{1}, Text{"a", 45}, Decimal{"1"}}, {int64_t{1}, Text{"a", 45}, Decimal{"2"}}),
                        update({int64_t{2}, Null{}, Null{}}, {int64_t{20}, Null{}, Null{}}),
                        update({int64_t{3}, Null{}, Null{}}, {int64_t{3}, Null{}, Null{}})}),
                 t);
  EXPECT_EQ(batch.sql(),
            "UPDATE `shop`.`orders` SET `price`=2 WHERE `id`=1;"
            "UPDATE `shop`.`orders` SET `id`=20 WHERE `id`=2");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{1, 1}));
}

TEST(StatementBatch, MinimalImagesUseOnlyPresentColumns) {
  TableSchema t = keyed_table();
  RowsEvent e = event(RowsKind::kUpdate, 3, {update({int64_t{5}}, {Text{"z", 45}})});
  e.columns_before = {true, false, false};
  e.columns_after = {false, true, false};
  StatementBatch batch;
  batch.add_rows(e, t);
  EXPECT_EQ(batch.sql(), "UPDATE `shop`.`orders` SET `name`=_utf8mb4'z' WHERE `id`=5");

  RowsEvent w = event(RowsKind::kWrite, 3, {write({int64_t{6}, Decimal{"1"}})});
  w.columns_after = {true, false, true};
  StatementBatch inserts;
  inserts.add_rows(w, t);
  EXPECT_EQ(inserts.sql(), "INSERT INTO `shop`.`orders` (`id`,`price`) VALUES (6,1)");
}

TEST(StatementBatch, TablesWithoutKeyMatchTheFullBeforeImageOneRowAtATime) {
  TableSchema t = keyed_table();
  t.key_kind = KeyKind::kNone;
  t.key_columns.clear();
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kDelete, 3, {remove({int64_t{1}, Text{"A", 45}, Null{}})}), t);
  batch.add_rows(event(RowsKind::kUpdate, 3, {update({int64_t{1}, Null{}, Null{}}, {int64_t{2}, Null{}, Null{}})}), t);
  EXPECT_EQ(batch.sql(),
            "DELETE FROM `shop`.`orders` WHERE `id`<=>1 AND `name`<=>_utf8mb4'A' COLLATE utf8mb4_bin AND "
            "OCTET_LENGTH(`name`)=1 AND `price`<=>NULL LIMIT 1;"
            "UPDATE `shop`.`orders` SET `id`=2 WHERE `id`<=>1 AND `name`<=>NULL AND `price`<=>NULL LIMIT 1");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{1, 1}));
}

TEST(StatementBatch, GeneratedColumnsAreNeverWrittenNorMatched) {
  TableSchema t = keyed_table();
  t.columns[2].generated = true;
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Text{"a", 45}, Decimal{"9"}})}), t);
  batch.add_rows(event(RowsKind::kUpdate, 3,
                       {update({int64_t{1}, Text{"a", 45}, Decimal{"9"}}, {int64_t{1}, Text{"a", 45}, Decimal{"8"}})}),
                 t);
  // The update only changed the generated column: nothing to send.
  EXPECT_EQ(batch.sql(), "INSERT INTO `shop`.`orders` (`id`,`name`) VALUES (1,_utf8mb4'a')");
}

TEST(StatementBatch, PartialJsonUpdateBecomesJsonFunctions) {
  TableSchema t;
  t.database = "d";
  t.table = "j";
  t.columns = {column("id", "int"), column("doc", "json")};
  t.key_kind = KeyKind::kPrimary;
  t.key_columns = {0};
  JsonDiff diff;
  diff.ops.push_back({JsonDiffOp::Kind::kReplace, "$.n", "2"});
  RowsEvent e = event(RowsKind::kPartialUpdate, 2, {update({int64_t{1}, Json{"{\"n\":1}"}}, {int64_t{1}, diff})});
  StatementBatch batch;
  batch.add_rows(e, t);
  EXPECT_EQ(batch.sql(),
            "UPDATE `d`.`j` SET `doc`=JSON_REPLACE(`doc`,_utf8mb4'$.n',CAST(_utf8mb4'2' AS JSON)) WHERE `id`=1");
}

TEST(StatementBatch, KindOrTableChangeClosesTheOpenStatementInOrder) {
  TableSchema t = keyed_table();
  TableSchema other = keyed_table();
  other.table = "items";
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Null{}, Null{}})}), t);
  batch.add_rows(event(RowsKind::kDelete, 3, {remove({int64_t{1}, Null{}, Null{}})}), t);
  batch.add_rows(event(RowsKind::kDelete, 3, {remove({int64_t{1}, Null{}, Null{}})}), other);
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Null{}, Null{}})}), t);
  EXPECT_EQ(batch.sql(),
            "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (1,NULL,NULL);"
            "DELETE FROM `shop`.`orders` WHERE `id` IN (1);"
            "DELETE FROM `shop`.`items` WHERE `id` IN (1);"
            "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (1,NULL,NULL)");
  EXPECT_EQ(batch.statement_text(2), "DELETE FROM `shop`.`items` WHERE `id` IN (1)");
}

TEST(StatementBatch, MarkRollbackUndoesRowsAddedToAnOpenStatement) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}, Null{}, Null{}})}), t);
  StatementBatch::Mark mark = batch.mark();
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{2}, Null{}, Null{}})}), t);
  batch.add_statement("SET foreign_key_checks=0");
  batch.rollback_to(mark);
  batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{3}, Null{}, Null{}})}), t);
  EXPECT_EQ(batch.sql(), "INSERT INTO `shop`.`orders` (`id`,`name`,`price`) VALUES (1,NULL,NULL),(3,NULL,NULL)");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{2}));
}

TEST(StatementBatch, InsertAtMarkPutsASavepointBeforeATransaction) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  batch.add_statement("START TRANSACTION");
  batch.close_open();
  StatementBatch::Mark mark = batch.mark();
  batch.add_rows(event(RowsKind::kDelete, 3, {remove({int64_t{4}, Null{}, Null{}})}), t);
  batch.insert_at(mark, "SAVEPOINT s");
  EXPECT_EQ(batch.sql(), "START TRANSACTION;SAVEPOINT s;DELETE FROM `shop`.`orders` WHERE `id` IN (4)");
  EXPECT_EQ(batch.expected(), (std::vector<int64_t>{-1, -1, 1}));
  EXPECT_EQ(batch.statement_text(1), "SAVEPOINT s");
  EXPECT_EQ(batch.statement_text(2), "DELETE FROM `shop`.`orders` WHERE `id` IN (4)");
  StatementBatch empty;
  empty.add_statement("X");
  StatementBatch::Mark start;
  empty.insert_at(start, "SAVEPOINT s");
  EXPECT_EQ(empty.sql(), "SAVEPOINT s;X");
}

TEST(ColumnMapping, ByNameWhenTheTableMapHasNamesElseByPosition) {
  TableSchema t = keyed_table();
  auto map = std::make_shared<TableMap>();
  map->has_column_names = true;
  map->columns.resize(2);
  map->columns[0].name = "price";
  map->columns[1].name = "ID";
  RowsEvent e = event(RowsKind::kWrite, 2, {write({Decimal{"1"}, int64_t{7}})});
  e.table = map;
  StatementBatch batch;
  batch.add_rows(e, t);
  EXPECT_EQ(batch.sql(), "INSERT INTO `shop`.`orders` (`price`,`id`) VALUES (1,7)");

  map->has_column_names = false;
  EXPECT_THROW(map_columns(e, t), Error);  // 2 columns by position vs 3 on the target
  map->has_column_names = true;
  map->columns[0].name = "missing";
  EXPECT_THROW(map_columns(e, t), Error);
}

TEST(StatementBatch, ImageValueCountMustMatchBitmap) {
  TableSchema t = keyed_table();
  StatementBatch batch;
  EXPECT_THROW(batch.add_rows(event(RowsKind::kWrite, 3, {write({int64_t{1}})}), t), Error);
}

}  // namespace
}  // namespace galaxis::sql
