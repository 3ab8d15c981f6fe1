// Net-effect compaction: which tables qualify, and the exact statements a
// group of changes folds into.
#include "galaxis/sql/net_changes.h"

#include <gtest/gtest.h>

namespace galaxis::sql {
namespace {

using namespace galaxis::binlog;

TableSchema table() {
  TableSchema t;
  t.database = "d";
  t.table = "t";
  ColumnSchema id;
  id.name = "id";
  id.data_type = "int";
  id.nullable = false;
  ColumnSchema v;
  v.name = "v";
  v.data_type = "varchar";
  v.charset = "utf8mb4";
  ColumnSchema g;
  g.name = "g";
  g.data_type = "int";
  g.generated = true;
  t.columns = {id, v, g};
  t.key_kind = KeyKind::kPrimary;
  t.key_columns = {0};
  return t;
}

RowsEvent event(RowsKind kind, std::vector<RowChange> rows) {
  RowsEvent e;
  e.kind = kind;
  e.column_count = 3;
  if (kind != RowsKind::kWrite) e.columns_before = {true, true, true};
  if (kind != RowsKind::kDelete) e.columns_after = {true, true, true};
  e.rows = std::move(rows);
  return e;
}

TEST(NetChanges, EligibleOnlyForSafeTables) {
  TableSchema t = table();
  EXPECT_TRUE(NetChanges::eligible(t));
  TableSchema fk = t;
  fk.has_foreign_keys = true;
  EXPECT_FALSE(NetChanges::eligible(fk));
  TableSchema trigger = t;
  trigger.unguarded_triggers = {"trg"};
  EXPECT_FALSE(NetChanges::eligible(trigger));
  TableSchema char_key = t;
  char_key.key_columns = {1};
  EXPECT_FALSE(NetChanges::eligible(char_key));  // 'a' and 'A' may be the same key
  TableSchema unique = t;
  unique.key_kind = KeyKind::kUniqueNotNull;
  EXPECT_FALSE(NetChanges::eligible(unique));
}

TEST(NetChanges, FoldsAGroupIntoOneDeleteAndOneInsertPerTable) {
  TableSchema t = table();
  NetChanges net;
  ASSERT_TRUE(net.add(event(RowsKind::kWrite, {{{}, {int64_t{1}, Text{"a", 45}, int64_t{9}}}}), t));
  ASSERT_TRUE(net.add(
      event(RowsKind::kUpdate, {{{int64_t{1}, Text{"a", 45}, int64_t{9}}, {int64_t{1}, Text{"b", 45}, int64_t{9}}}}),
      t));
  net.commit_transaction();
  ASSERT_TRUE(net.add(event(RowsKind::kDelete, {{{int64_t{2}, Null{}, Null{}}, {}}}), t));
  ASSERT_TRUE(net.add(event(RowsKind::kUpdate, {{{int64_t{3}, Null{}, Null{}}, {int64_t{4}, Null{}, Null{}}}}), t));
  net.commit_transaction();
  // An aborted transaction leaves nothing behind.
  ASSERT_TRUE(net.add(event(RowsKind::kDelete, {{{int64_t{1}, Null{}, Null{}}, {}}}), t));
  net.abort_transaction();
  StatementBatch batch;
  EXPECT_EQ(net.emit(&batch, true), 0u);  // no unique key listed: not known to be the only one
  EXPECT_EQ(batch.sql(),
            "DELETE FROM `d`.`t` WHERE `id` IN (1,2,3,4);"
            "INSERT INTO `d`.`t` (`id`,`v`) VALUES (1,_utf8mb4'b'),(4,NULL)");
  EXPECT_TRUE(net.empty());
}

// The PRIMARY KEY as the only unique key: keys that end present are
// upserted in place, only keys that end gone are deleted.
TEST(NetChanges, OnlyThePrimaryKeyUniqueFoldsIntoDeleteOfGoneKeysAndUpsert) {
  TableSchema t = table();
  t.unique_keys = {UniqueKey{"PRIMARY", {0}, false}};
  for (bool mariadb : {true, false}) {
    NetChanges net;
    ASSERT_TRUE(net.add(event(RowsKind::kWrite, {{{}, {int64_t{1}, Text{"a", 45}, int64_t{9}}}}), t));
    ASSERT_TRUE(net.add(event(RowsKind::kDelete, {{{int64_t{2}, Null{}, Null{}}, {}}}), t));
    ASSERT_TRUE(net.add(event(RowsKind::kUpdate, {{{int64_t{3}, Null{}, Null{}}, {int64_t{4}, Null{}, Null{}}}}), t));
    net.commit_transaction();
    StatementBatch batch;
    EXPECT_EQ(net.emit(&batch, mariadb), 2u);
    EXPECT_EQ(batch.sql(), mariadb ? "DELETE FROM `d`.`t` WHERE `id` IN (2,3);"
                                     "INSERT INTO `d`.`t` (`id`,`v`) VALUES (1,_utf8mb4'a'),(4,NULL) "
                                     "ON DUPLICATE KEY UPDATE `v`=VALUES(`v`)"
                                   : "DELETE FROM `d`.`t` WHERE `id` IN (2,3);"
                                     "INSERT INTO `d`.`t` (`id`,`v`) VALUES (1,_utf8mb4'a'),(4,NULL) AS "
                                     "galaxis_relay_new ON DUPLICATE KEY UPDATE `v`=galaxis_relay_new.`v`");
  }
}

TEST(NetChanges, PendingChangesCanBeEmittedOneByOne) {
  TableSchema t = table();
  NetChanges net;
  ASSERT_TRUE(net.add(event(RowsKind::kUpdate, {{{int64_t{5}, Null{}, Null{}}, {int64_t{6}, Null{}, Null{}}}}), t));
  StatementBatch batch;
  net.emit_pending(&batch);
  EXPECT_EQ(batch.sql(), "DELETE FROM `d`.`t` WHERE `id` IN (5);INSERT INTO `d`.`t` (`id`,`v`) VALUES (6,NULL)");
}

// The column layout is kept per table map and schema address; a schema
// reloaded after SchemaCache::invalidate() may reuse the address, so a new
// generation must make add() map the columns again (here: `g` stops being
// generated in place, so the INSERT now writes it).
TEST(NetChanges, ColumnLayoutIsRecomputedForANewSchemaGeneration) {
  TableSchema t = table();
  NetChanges net;
  net.set_schema_generation(1);
  ASSERT_TRUE(net.add(event(RowsKind::kWrite, {{{}, {int64_t{1}, Text{"a", 45}, int64_t{9}}}}), t));
  net.commit_transaction();
  StatementBatch first;
  net.emit(&first, true);
  EXPECT_EQ(first.sql(), "DELETE FROM `d`.`t` WHERE `id` IN (1);INSERT INTO `d`.`t` (`id`,`v`) VALUES (1,_utf8mb4'a')");
  t.columns[2].generated = false;  // same address, another schema
  net.set_schema_generation(2);
  ASSERT_TRUE(net.add(event(RowsKind::kWrite, {{{}, {int64_t{2}, Text{"b", 45}, int64_t{7}}}}), t));
  net.commit_transaction();
  StatementBatch second;
  net.emit(&second, true);
  EXPECT_EQ(second.sql(),
            "DELETE FROM `d`.`t` WHERE `id` IN (2);INSERT INTO `d`.`t` (`id`,`v`,`g`) VALUES (2,_utf8mb4'b',7)");
}

TEST(NetChanges, RefusesImagesWithoutEveryColumn) {
  TableSchema t = table();
  NetChanges net;
  RowsEvent minimal = event(RowsKind::kUpdate, {{{int64_t{1}}, {Text{"x", 45}}}});
  minimal.columns_before = {true, false, false};
  minimal.columns_after = {false, true, false};
  EXPECT_FALSE(net.add(minimal, t));
  EXPECT_TRUE(net.empty());
}

}  // namespace
}  // namespace galaxis::sql
