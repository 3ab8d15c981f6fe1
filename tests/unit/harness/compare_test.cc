// diff_table_rows: the pure row comparison behind compare_databases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "galaxis/testing/compare.h"
#include "galaxis/testing/flavor.h"

namespace galaxis::testing {
namespace {

TableRows make(std::vector<SqlRow> rows) { return TableRows{{"id", "name", "price"}, std::move(rows)}; }

TEST(DiffTableRows, EqualTablesReportNothing) {
  const TableRows a = make({{"1", "apple", "1.00"}, {"2", std::nullopt, "2.50"}});
  std::string out;
  EXPECT_EQ(diff_table_rows("table `t`", a, a, {0}, 10, &out), 0u);
  EXPECT_EQ(out, "");
}

TEST(DiffTableRows, NamesTheRowByKeyAndTheColumnWithBothValues) {
  const TableRows a = make({{"1", "apple", "1.00"}, {"2", "pear", "2.50"}});
  const TableRows b = make({{"1", "apple", "1.00"}, {"2", "pear", "2.05"}});
  std::string out;
  EXPECT_EQ(diff_table_rows("table `t`", a, b, {0}, 10, &out), 1u);
  EXPECT_EQ(out, "table `t`: row (id=\"2\") column `price`: \"2.50\" vs \"2.05\"\n");
}

TEST(DiffTableRows, NullDiffersFromEmptyString) {
  const TableRows a = make({{"1", std::nullopt, "1"}});
  const TableRows b = make({{"1", "", "1"}});
  std::string out;
  diff_table_rows("t", a, b, {0}, 10, &out);
  EXPECT_EQ(out, "t: row (id=\"1\") column `name`: NULL vs \"\"\n");
}

TEST(DiffTableRows, MissingAndExtraRows) {
  const TableRows a = make({{"1", "a", "1"}, {"2", "b", "2"}, {"4", "d", "4"}});
  const TableRows b = make({{"1", "a", "1"}, {"3", "c", "3"}, {"4", "d", "4"}});
  std::string out;
  EXPECT_EQ(diff_table_rows("t", a, b, {0}, 10, &out), 2u);
  EXPECT_EQ(out, "t: row (id=\"2\") only in a\nt: row (id=\"3\") only in b\n");
}

TEST(DiffTableRows, WithoutKeyTheWholeRowNamesIt) {
  const TableRows a = make({{"1", "a", "1"}, {"1", "a", "1"}});  // duplicate rows count
  const TableRows b = make({{"1", "a", "1"}});
  std::string out;
  diff_table_rows("t", a, b, {}, 10, &out);
  EXPECT_EQ(out, "t: row (id=\"1\", name=\"a\", price=\"1\") only in a\n");
}

TEST(DiffTableRows, BinaryBytesAreEscapedAndLongValuesCut) {
  const TableRows a = make({{"1", std::string("a\0b\n\"", 5), std::string(100, 'x')}});
  const TableRows b = make({{"1", std::string("a\0c", 3), std::string(100, 'y')}});
  std::string out;
  diff_table_rows("t", a, b, {0}, 10, &out);
  EXPECT_NE(out.find("column `name`: \"a\\x00b\\x0a\\\"\" vs \"a\\x00c\""), std::string::npos) << out;
  EXPECT_NE(out.find("...(100 bytes) vs"), std::string::npos) << out;
}

TEST(DiffTableRows, BudgetLimitsLinesAndEndsWithASummary) {
  std::vector<SqlRow> rows_a;
  std::vector<SqlRow> rows_b;
  for (int i = 0; i < 20; ++i) {
    rows_a.push_back({std::to_string(100 + i), "x", "1"});
    rows_b.push_back({std::to_string(100 + i), "y", "1"});
  }
  std::string out;
  EXPECT_EQ(diff_table_rows("t", make(rows_a), make(rows_b), {0}, 3, &out), 3u);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;  // 3 + the summary
  EXPECT_NE(out.find("in all 20 rows differ, 0 only in a, 0 only in b (20 vs 20 rows)"), std::string::npos) << out;
}

TEST(DiffTableRows, DifferentColumnsAreReportedInsteadOfRows) {
  TableRows a = make({{"1", "a", "1"}});
  TableRows b{{"id", "name"}, {{"1", "a"}}};
  std::string out;
  diff_table_rows("t", a, b, {0}, 10, &out);
  EXPECT_EQ(out, "t: columns (id, name, price) vs (id, name)\n");
}

TEST(Flavor, NamesAndParamNames) {
  EXPECT_EQ(flavor_name(Flavor::kMySQL97), "mysql-9.7");
  EXPECT_EQ(flavor_test_name(Flavor::kMariaDB1011), "mariadb_10_11");
  EXPECT_EQ(all_flavors().size(), 3u);
  EXPECT_TRUE(is_mysql(Flavor::kMySQL97));
  EXPECT_FALSE(is_mysql(Flavor::kMariaDB118));
}

TEST(Flavor, MissingChrootSaysWhatToDo) {
  setenv("GALAXIS_CHROOT_DIR", "/nonexistent/galaxis-chroots", 1);
  std::string why;
  EXPECT_FALSE(flavor_available(Flavor::kMySQL97, &why));
  EXPECT_NE(why.find("scripts/build-chroots"), std::string::npos) << why;
  unsetenv("GALAXIS_CHROOT_DIR");
}

TEST(Flavor, FailedChrootBuildReasonIsReported) {
  const std::string root = ::testing::TempDir() + "/galaxis-chroot-test";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/mariadb-11.8.failed") << "debootstrap stable failed: E: no space left\n";
  setenv("GALAXIS_CHROOT_DIR", root.c_str(), 1);
  std::string why;
  EXPECT_FALSE(flavor_available(Flavor::kMariaDB118, &why));
  EXPECT_NE(why.find("E: no space left"), std::string::npos) << why;
  unsetenv("GALAXIS_CHROOT_DIR");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace galaxis::testing
