// The passive must equal the master (issue #14), session and statement
// side: SET STATEMENT … FOR classification, the session restore order, the
// column-layout rules, the warning helpers, ON UPDATE columns in UPDATEs.
#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/sql/column_compat.h"
#include "galaxis/sql/query_text.h"
#include "galaxis/sql/statement_builder.h"
#include "galaxis/sql/target_session.h"
#include "galaxis/sql/warning_check.h"

namespace galaxis::sql {
namespace {

using binlog::ColumnInfo;
using binlog::ColumnType;

TEST(SetStatementFor, IsClassifiedByTheInnerStatement) {
  QueryInfo info = classify_query("SET STATEMENT sql_mode = 'NO_ENGINE_SUBSTITUTION' FOR ALTER TABLE d.t ADD c INT");
  EXPECT_EQ(info.kind, QueryKind::kDdl);
  EXPECT_EQ(info.object_type, "TABLE");
  ASSERT_EQ(info.objects.size(), 1u);
  EXPECT_EQ(info.objects[0], (ObjectName{"d", "t"}));

  // Several variables, a parenthesised value with a FOR-looking word inside.
  info = classify_query(
      "set statement max_statement_time=(select 10), foreign_key_checks=0, lock_wait_timeout = 5 for "
      "DROP TABLE IF EXISTS `a`, b.c");
  EXPECT_EQ(info.kind, QueryKind::kDdl);
  ASSERT_EQ(info.objects.size(), 2u);
  EXPECT_EQ(info.objects[1], (ObjectName{"b", "c"}));

  EXPECT_EQ(classify_query("SET STATEMENT sql_mode='' FOR INSERT INTO t VALUES (1)").kind, QueryKind::kStatementDml);
  EXPECT_EQ(classify_query("SET STATEMENT sql_mode='' FOR CREATE PROCEDURE p() SELECT 1").kind, QueryKind::kRoutine);
  EXPECT_EQ(classify_query("SET STATEMENT x=1 FOR GRANT SELECT ON *.* TO u").kind, QueryKind::kAccountManagement);
  // Not a SET STATEMENT: unchanged.
  EXPECT_EQ(classify_query("SET @a = 1").kind, QueryKind::kOther);
  EXPECT_EQ(classify_query("SET STATEMENT sql_mode=''").kind, QueryKind::kOther);  // no FOR: not a statement
}

TEST(SetStatementFor, RewritesApplyToTheInnerStatement) {
  EXPECT_EQ(strip_definer("SET STATEMENT sql_mode='' FOR CREATE DEFINER=`root`@`%` VIEW v AS SELECT 1"),
            "SET STATEMENT sql_mode='' FOR CREATE VIEW v AS SELECT 1");
  EXPECT_NE(guard_trigger("SET STATEMENT sql_mode='' FOR CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET "
                          "NEW.a = 1")
                .find("IF @galaxis_relay_applying IS NULL THEN SET NEW.a = 1; END IF"),
            std::string::npos);
  EXPECT_EQ(strip_create_start_transaction("SET STATEMENT sql_mode='' FOR CREATE TABLE t (a INT) START TRANSACTION"),
            "SET STATEMENT sql_mode='' FOR CREATE TABLE t (a INT)");
}

TEST(TargetSession, SetNamesRunsAloneBeforeAnyLiteral) {
  // After a DDL with collation_connection=ucs2 a literal in the same
  // statement as SET NAMES is read as ucs2: SET NAMES must come first, alone.
  for (bool mariadb : {false, true}) {
    const std::string sql = session_setup_sql(mariadb);
    EXPECT_EQ(sql.rfind("SET NAMES utf8mb4;", 0), 0u) << sql;
    EXPECT_NE(sql.find("sql_mode='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'"), std::string::npos);
    EXPECT_EQ(sql.find("check_constraint_checks=1") != std::string::npos, mariadb) << sql;
    EXPECT_EQ(sql.find("system_versioning_alter_history=DEFAULT") != std::string::npos, mariadb) << sql;
  }
}

ColumnInfo source(ColumnType type, uint16_t meta = 0) {
  ColumnInfo c;
  c.type = c.real_type = type;
  c.meta = meta;
  return c;
}

ColumnSchema target(std::string data_type, std::string column_type, uint64_t max_bytes = 0, std::string charset = "") {
  ColumnSchema c;
  c.name = "c";
  c.data_type = std::move(data_type);
  c.column_type = std::move(column_type);
  c.is_unsigned = c.column_type.find("unsigned") != std::string::npos;
  c.max_bytes = max_bytes;
  c.charset = std::move(charset);
  return c;
}

TEST(ColumnCompat, NarrowerStringsAreRefusedInCharactersNotBytes) {
  // utf8mb4 VARCHAR(20) is 80 bytes in the table map.
  EXPECT_TRUE(column_narrowing(source(ColumnType::kVarchar, 80), target("varchar", "varchar(3)", 12, "utf8mb4")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kVarchar, 80), target("varchar", "varchar(20)", 80, "utf8mb4")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kVarchar, 80), target("varchar", "varchar(30)", 120, "utf8mb4")));
  // latin1 VARCHAR(10) -> utf8mb4 VARCHAR(10): wider in bytes, same characters.
  EXPECT_FALSE(column_narrowing(source(ColumnType::kVarchar, 10), target("varchar", "varchar(10)", 40, "utf8mb4")));
  // utf8mb4 VARCHAR(10) (40 bytes) -> latin1 VARCHAR(10): same declared length, 10 bytes. Read with the
  // target's 1 byte per character it would be 40 characters: refused (the charsets differ; widen it).
  EXPECT_TRUE(column_narrowing(source(ColumnType::kVarchar, 40), target("varchar", "varchar(10)", 10, "latin1")));
  EXPECT_TRUE(column_narrowing(source(ColumnType::kVarchar, 20), target("varbinary", "varbinary(19)", 19)));
  // CHAR(10) utf8mb4 (40 bytes: STRING meta byte0 = real type 0xfe, byte1 = 40).
  EXPECT_TRUE(column_narrowing(source(ColumnType::kString, 0xfe28), target("char", "char(5)", 20, "utf8mb4")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kString, 0xfe28), target("varchar", "varchar(10)", 40, "utf8mb4")));
  // TEXT (2-byte length) -> TINYTEXT refused, -> MEDIUMTEXT fine.
  EXPECT_TRUE(column_narrowing(source(ColumnType::kBlob, 2), target("tinytext", "tinytext", 255, "utf8mb4")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kBlob, 2), target("mediumtext", "mediumtext", 16777215, "utf8mb4")));
}

TEST(ColumnCompat, NumbersTemporalsAndBits) {
  EXPECT_TRUE(column_narrowing(source(ColumnType::kLong), target("tinyint", "tinyint(4)")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kLong), target("bigint", "bigint(20)")));
  ColumnInfo unsigned_int = source(ColumnType::kLong);
  unsigned_int.is_unsigned = true;
  EXPECT_TRUE(column_narrowing(unsigned_int, target("int", "int(11)")));
  EXPECT_FALSE(column_narrowing(unsigned_int, target("int", "int(10) unsigned")));
  EXPECT_FALSE(column_narrowing(unsigned_int, target("bigint", "bigint(20)")));
  ColumnInfo signed_int = source(ColumnType::kLong);
  signed_int.is_unsigned = false;
  EXPECT_TRUE(column_narrowing(signed_int, target("bigint", "bigint(20) unsigned")));
  // Without signedness metadata only the width counts (no false error).
  EXPECT_FALSE(column_narrowing(source(ColumnType::kLong), target("int", "int(10) unsigned")));

  // DECIMAL(10,2) = precision 10 << 8 | scale 2.
  EXPECT_FALSE(column_narrowing(source(ColumnType::kNewDecimal, 10 << 8 | 2), target("decimal", "decimal(12,4)")));
  EXPECT_TRUE(column_narrowing(source(ColumnType::kNewDecimal, 10 << 8 | 2), target("decimal", "decimal(10,1)")));
  EXPECT_TRUE(column_narrowing(source(ColumnType::kNewDecimal, 10 << 8 | 2), target("decimal", "decimal(9,2)")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kNewDecimal, 38 << 8 | 38), target("decimal", "decimal(39,38)")));

  EXPECT_TRUE(column_narrowing(source(ColumnType::kDouble, 8), target("float", "float")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kFloat, 4), target("double", "double")));
  EXPECT_TRUE(column_narrowing(source(ColumnType::kDateTime2, 6), target("datetime", "datetime(3)")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kDateTime2, 3), target("datetime", "datetime(6)")));
  EXPECT_TRUE(column_narrowing(source(ColumnType::kTimestamp2, 1), target("timestamp", "timestamp")));
  // BIT(10): bits % 8 = 2, bytes = 1.
  EXPECT_TRUE(column_narrowing(source(ColumnType::kBit, 1 << 8 | 2), target("bit", "bit(9)")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kBit, 1 << 8 | 2), target("bit", "bit(10)")));
  // Another family or no metadata: not judged here.
  EXPECT_FALSE(column_narrowing(source(ColumnType::kLong), target("varchar", "varchar(2)", 8, "utf8mb4")));
  EXPECT_FALSE(column_narrowing(source(ColumnType::kVarchar, 0), target("varchar", "varchar(1)", 4, "utf8mb4")));
  ColumnSchema generated = target("tinyint", "tinyint(4)");
  generated.generated = true;
  EXPECT_FALSE(column_narrowing(source(ColumnType::kLong), generated));
}

TEST(ColumnCompat, TheErrorNamesTableColumnAndBothTypes) {
  binlog::TableMap map;
  map.database = "d";
  map.table = "t";
  map.columns = {source(ColumnType::kLong), source(ColumnType::kVarchar, 80)};
  TableSchema schema;
  schema.database = "d";
  schema.table = "t";
  schema.columns = {target("int", "int(11)"), target("varchar", "varchar(3)", 12, "utf8mb4")};
  schema.columns[0].name = "id";
  schema.columns[1].name = "v";
  try {
    check_column_compatibility(map, schema);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("`d`.`t`"), std::string::npos) << message;
    EXPECT_NE(message.find("column `v`"), std::string::npos) << message;
    EXPECT_NE(message.find("VARCHAR/VARBINARY of 80 bytes -> target varchar(3)"), std::string::npos) << message;
    EXPECT_EQ(message.find("`id`"), std::string::npos) << message;
  }
  schema.columns[1] = target("varchar", "varchar(20)", 80, "utf8mb4");
  EXPECT_NO_THROW(check_column_compatibility(map, schema));
  // By position only when the counts agree (else the statement builder reports the mismatch).
  map.columns.push_back(source(ColumnType::kLong));
  schema.columns[1] = target("varchar", "varchar(3)", 12, "utf8mb4");
  EXPECT_NO_THROW(check_column_compatibility(map, schema));
}

TEST(WarningCheck, TableAndColumnFromStatementsAndMessages) {
  EXPECT_EQ(statement_table("INSERT INTO `d`.`t` (`a`) VALUES (1)"), "`d`.`t`");
  EXPECT_EQ(statement_table("UPDATE `d``x`.`t` SET `a`=1 WHERE `id`=1"), "`d``x`.`t`");
  EXPECT_EQ(statement_table("DELETE FROM `d`.`t` WHERE `id` IN (1)"), "`d`.`t`");
  EXPECT_EQ(statement_table("SET foreign_key_checks=1"), "");
  EXPECT_EQ(message_column("Data truncated for column 'v' at row 1"), "v");
  EXPECT_EQ(message_column("Out of range value for column 'n' at row 2"), "n");
  EXPECT_EQ(message_column("Incorrect string value: '\\xF0' for column `d`.`t`.`s` at row 1"), "s");
  EXPECT_EQ(message_column("Unknown table 'x'"), "");
  EXPECT_TRUE(is_expected_ddl_warning(1051));
  EXPECT_FALSE(is_expected_ddl_warning(1265));
}

TEST(OnUpdateColumns, AreSetFromTheAfterImageEvenWhenUnchanged) {
  TableSchema t;
  t.database = "d";
  t.table = "t";
  ColumnSchema id = target("int", "int(11)");
  id.name = "id";
  ColumnSchema v = target("int", "int(11)");
  v.name = "v";
  ColumnSchema ts = target("timestamp", "timestamp");
  ts.name = "ts";
  ts.on_update = true;
  t.columns = {id, v, ts};
  t.key_kind = KeyKind::kPrimary;
  t.key_columns = {0};
  binlog::RowsEvent e;
  e.kind = binlog::RowsKind::kUpdate;
  e.column_count = 3;
  e.columns_before.assign(3, true);
  e.columns_after.assign(3, true);
  binlog::Timestamp stamp{1000000000, 0};
  e.rows.push_back({{int64_t{1}, int64_t{1}, stamp}, {int64_t{1}, int64_t{2}, stamp}});
  StatementBatch batch;
  batch.add_rows(e, t);
  EXPECT_EQ(batch.sql(), "UPDATE `d`.`t` SET `v`=2,`ts`='2001-09-09 01:46:40' WHERE `id`=1");
  // Nothing else changes: still no statement.
  e.rows[0].after[1] = int64_t{1};
  StatementBatch none;
  none.add_rows(e, t);
  EXPECT_TRUE(none.empty());
}

TEST(EnumErrorValue, IsAnExpectedWarningOfItsStatement) {
  TableSchema t;
  t.database = "d";
  t.table = "t";
  ColumnSchema id = target("int", "int(11)");
  id.name = "id";
  ColumnSchema e = target("enum", "enum('a','b')");
  e.name = "e";
  t.columns = {id, e};
  t.key_kind = KeyKind::kPrimary;
  t.key_columns = {0};
  binlog::RowsEvent w;
  w.kind = binlog::RowsKind::kWrite;
  w.column_count = 2;
  w.columns_after.assign(2, true);
  w.rows.push_back({{}, {int64_t{1}, binlog::Enum{0}}});
  w.rows.push_back({{}, {int64_t{2}, binlog::Enum{1}}});
  w.rows.push_back({{}, {int64_t{3}, binlog::Enum{0}}});
  StatementBatch batch;
  batch.add_rows(w, t);
  binlog::RowsEvent u;
  u.kind = binlog::RowsKind::kUpdate;
  u.column_count = 2;
  u.columns_before.assign(2, true);
  u.columns_after.assign(2, true);
  u.rows.push_back({{int64_t{2}, binlog::Enum{1}}, {int64_t{2}, binlog::Enum{0}}});
  batch.add_rows(u, t);
  ASSERT_EQ(batch.statements(), 2u);
  EXPECT_EQ(batch.origin(0).expected_warnings, 2u);  // one multi-row INSERT, two '' values
  EXPECT_EQ(batch.origin(1).expected_warnings, 1u);
}

}  // namespace
}  // namespace galaxis::sql
