// Oracle tests: every row value our decoder produces for real binlogs must
// match what Oracle's mysqlbinlog (and the mysql-test .result files) print.
#include <gtest/gtest.h>

#include <filesystem>

#include "mysqlbinlog_rows.h"

namespace galaxis::binlog::rowtest {
namespace {

std::string corpus_file(const std::string& rel) {
  const std::string path = rows_corpus_dir() + "/" + rel;
  if (!std::filesystem::exists(path))
    ADD_FAILURE() << "binlog corpus file missing: " << path
                  << " (tests/data/binlog in the checkout, or GALAXIS_CORPUS_DIR)";
  return path;
}

void expect_rows_match(const std::string& binlog_rel, const std::string& oracle_text, size_t min_rows) {
  const auto expected = parse_mysqlbinlog_rows(oracle_text);
  ASSERT_GE(expected.size(), min_rows) << "oracle text for " << binlog_rel << " has too few rows: parser broken?";
  std::vector<TextRow> actual;
  ASSERT_NO_THROW(actual = decode_rows_as_text(corpus_file(binlog_rel))) << binlog_rel;
  const std::string diffs = compare_rows(expected, actual);
  EXPECT_EQ(diffs, "") << binlog_rel;
}

TEST(Live97Oracle, Binlog000001FullImageMinimalMetadata) {
  const auto text = read_file(corpus_file("mysql-9.7-live/binlog.000001.mysqlbinlog.txt"));
  expect_rows_match("mysql-9.7-live/binlog.000001", text, 7);
}

TEST(Live97Oracle, Binlog000002PartialJsonAndCompressedPayload) {
  const auto text = read_file(corpus_file("mysql-9.7-live/binlog.000002.mysqlbinlog.txt"));
  expect_rows_match("mysql-9.7-live/binlog.000002", text, 10);
}

TEST(Live97Oracle, Binlog000002PrintTableMetadataVariantHasSameRows) {
  const auto text = read_file(corpus_file("mysql-9.7-live/binlog.000002.mysqlbinlog-print-table-metadata.txt"));
  expect_rows_match("mysql-9.7-live/binlog.000002", text, 10);
}

TEST(Live97Oracle, ParserSeesEveryValueOfTheFirstInsert) {
  const auto rows = parse_mysqlbinlog_rows(read_file(corpus_file("mysql-9.7-live/binlog.000001.mysqlbinlog.txt")));
  ASSERT_FALSE(rows.empty());
  const auto& after = rows[0].after;
  ASSERT_EQ(after.size(), 18u);
  EXPECT_EQ(after[1].second, "-2147483648 (2147483648)");
  EXPECT_EQ(after[2].second, "-1 (18446744073709551615)");
  EXPECT_EQ(after[3].second, "-12345678.9012");
  EXPECT_EQ(after[8].second, "'\\x00\xff\\x10 \\x0a'");
  EXPECT_EQ(after[11].second, "b'00000101'");
  EXPECT_EQ(after[16].second, "'1000:01:01'");
}

// mysql-cdc-rs: Oracle mysqlbinlog --hexdump -vv output beside each binlog.
TEST(MysqlCdcRsOracle, DumpTxtRowsMatch) {
  const std::string base = rows_corpus_dir() + "/mysql-cdc-rs";
  ASSERT_TRUE(std::filesystem::exists(base)) << "binlog corpus missing: " << base;
  int compared = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(base)) {
    if (entry.path().filename() != "dump.txt") continue;
    const auto text = read_file(entry.path().string());
    if (parse_mysqlbinlog_rows(text).empty()) continue;
    for (const auto& f : std::filesystem::directory_iterator(entry.path().parent_path())) {
      const auto name = f.path().filename().string();
      if (name == "dump.txt" || name == "show.txt" || name.ends_with(".sql")) continue;
      const std::string rel = std::filesystem::relative(f.path(), rows_corpus_dir()).string();
      SCOPED_TRACE(rel);
      expect_rows_match(rel, text, 1);
      ++compared;
    }
  }
  EXPECT_GE(compared, 3);
}

// mysql-test binlog_row_mysqlbinlog_verbose: `mysqlbinlog --verbose` of the
// NDB {write,update}-{full,partial}-row binlogs (MySQL 9.7 and MariaDB 10.11
// test suites, each with its own copies of the files).
void check_verbose_result(const std::string& result_rel, const std::string& std_data_rel) {
  const auto text = read_file(corpus_file(result_rel));
  ASSERT_FALSE(text.empty());
  const std::string marker = "Verbose statements from : ";
  int compared = 0;
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    const size_t eol = text.find('\n', at);
    const std::string file = text.substr(at + marker.size(), eol - at - marker.size());
    const size_t end = text.find("drop table raw_binlog_rows;", eol);
    const std::string section = text.substr(eol, end - eol);
    SCOPED_TRACE(result_rel + ": " + file);
    expect_rows_match(std_data_rel + "/" + file, section, 1);
    ++compared;
  }
  EXPECT_EQ(compared, 4);
}

TEST(MysqlTestResultOracle, Mysql97RowVerbose) {
  check_verbose_result("debian-mysql-testsuite-9.7.4/reference/suite_binlog_r_binlog_row_mysqlbinlog_verbose.result",
                       "debian-mysql-testsuite-9.7.4/suite_binlog_std_data");
}

TEST(MysqlTestResultOracle, Mariadb1011RowVerbose) {
  check_verbose_result(
      "debian-mariadb-test-data-10.11.19/reference/suite_binlog_r_binlog_row_mysqlbinlog_verbose.result",
      "debian-mariadb-test-data-10.11.19/suite_binlog_std_data");
}

}  // namespace
}  // namespace galaxis::binlog::rowtest

namespace galaxis::binlog::rowtest {
namespace {

// A binlog written by the Debian 12 MariaDB 10.11 server (workload in
// tests/unit/binlog/data/mariadb-10.11-types.sql: integer extremes with YEAR
// before unsigned columns, DECIMAL(65,30), negative fractional TIME, zero
// dates, CHAR(255) utf8mb4, latin1, binary with NUL bytes, TEXT/BLOB sizes,
// ENUM/SET/BIT extremes, INET4/INET6/UUID/JSON/GEOMETRY, MINIMAL images and
// log_bin_compress row events), checked against mariadb-binlog --verbose.
TEST(Mariadb1011Oracle, EveryTypeMatchesMariadbBinlogVerbose) {
  const std::string dir = std::string(GALAXIS_SOURCE_DIR) + "/tests/unit/binlog/data/";
  const auto text = read_file(dir + "mariadb-10.11-types.000001.verbose.txt");
  const auto expected = parse_mysqlbinlog_rows(text, /*mariadb_quoting=*/true);
  ASSERT_GE(expected.size(), 25u);
  std::vector<TextRow> actual;
  ASSERT_NO_THROW(actual = decode_rows_as_text(dir + "mariadb-10.11-types.000001"));
  EXPECT_EQ(compare_rows(expected, actual, 40), "");
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
