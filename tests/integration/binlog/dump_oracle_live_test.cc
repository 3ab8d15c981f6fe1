// `galaxis-relay binlog dump --format jsonl` against the server's own binlog
// tool on live binlogs: a type-coverage workload (every column type, the
// edge values of each, NULL in every column, charsets, binary with NUL
// bytes, empty vs NULL, a value over 16 MiB, DDL between row events) runs on
// the harness master of every flavour with several binlog settings, then
// every row value we print is compared with what `mariadb-binlog -vv` (or the
// MySQL chroot's `mysqlbinlog -vv`) prints for the same files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../unit/binlog/dump_oracle.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {
namespace {

struct Settings {
  std::string row_image;   // FULL | MINIMAL
  std::string metadata;    // FULL | MINIMAL | NO_LOG (MariaDB only)
  bool compress = false;   // MySQL binlog_transaction_compression / MariaDB log_bin_compress
  bool big_value = false;  // a LONGBLOB over 16 MiB
  std::string name;
};

struct Case {
  Flavor flavor;
  Settings settings;
};

std::vector<Case> all_cases() {
  const std::vector<Settings> settings = {
      {"FULL", "FULL", true, true, "full_image_full_metadata_compressed"},
      {"MINIMAL", "MINIMAL", false, true, "minimal_image_minimal_metadata"},
      {"FULL", "NO_LOG", false, true, "full_image_no_metadata"},
  };
  std::vector<Case> cases;
  for (Flavor flavor : all_flavors())
    for (const Settings& s : settings) cases.push_back({flavor, s});
  return cases;
}

// The workload, one statement per entry. Values avoid backslashes (the
// oracle's string printer does not escape them, so they would be ambiguous).
std::vector<std::string> workload(Flavor flavor, const Settings& s) {
  const bool mysql = is_mysql(flavor);
  std::vector<std::string> sql = {
      "SET NAMES utf8mb4",
      "SET time_zone = '+00:00'",
      "SET sql_mode = ''",
      "DROP DATABASE IF EXISTS dump_types",
      "CREATE DATABASE dump_types",
      "USE dump_types",
      // Integers: min, max, zero, NULL.
      "CREATE TABLE ints (id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,"
      " mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED)",
      "INSERT INTO ints VALUES (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0),"
      " (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807,"
      " 18446744073709551615), (3, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1),"
      " (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
      // Decimals, floats, years.
      "CREATE TABLE nums (id INT PRIMARY KEY, d65 DECIMAL(65,30), d650 DECIMAL(65,0), d52 DECIMAL(5,2),"
      " d10 DECIMAL(10,0), f FLOAT, dbl DOUBLE, y YEAR)",
      "INSERT INTO nums VALUES (1, -99999999999999999999999999999999999.999999999999999999999999999999,"
      " 99999999999999999999999999999999999999999999999999999999999999999, -0.5, -1234567890, -3.40282e38,"
      " -1.7976931348623157e308, 1901),"
      " (2, 0.000000000000000000000000000001, -99999999999999999999999999999999999999999999999999999999999999999,"
      " 999.99, 0, 1.17549e-38, 2.2250738585072014e-308, 2155),"
      " (3, 0, 0, 0, 0, 0, 0, 0), (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
      // Temporal types with fractions, negatives and zero dates (sql_mode='').
      "CREATE TABLE times (id INT PRIMARY KEY, d DATE, t0 TIME, t3 TIME(3), t6 TIME(6), dt0 DATETIME,"
      " dt3 DATETIME(3), dt6 DATETIME(6), ts0 TIMESTAMP NULL, ts2 TIMESTAMP(2) NULL, ts6 TIMESTAMP(6) NULL)",
      "INSERT INTO times VALUES (1, '1000-01-01', '-838:59:59', '-00:00:00.001', '-00:00:00.000001',"
      " '1000-01-01 00:00:00', '1000-01-01 00:00:00.001', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01',"
      " '1970-01-01 00:00:01.01', '1970-01-01 00:00:01.000001'),"
      " (2, '9999-12-31', '838:59:59', '838:59:59.999', '-838:59:59.000000', '9999-12-31 23:59:59',"
      " '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.99',"
      " '2038-01-19 03:14:07.999999'),"
      " (3, '0000-00-00', '00:00:00', '12:34:56.789', '-12:34:56.000789', '0000-00-00 00:00:00',"
      " '2024-02-29 12:00:00.5', '2024-02-29 12:00:00.123456', '0000-00-00 00:00:00', '2000-01-01 00:00:00',"
      " '2000-01-01 00:00:00.5'),"
      " (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
      // Strings: charsets, 4-byte UTF-8, binary with NUL bytes, empty vs NULL.
      std::string("CREATE TABLE strs (id INT PRIMARY KEY, u VARCHAR(50) CHARSET utf8mb4, l VARCHAR(50) CHARSET latin1,"
                  " c CHAR(10) CHARSET utf8mb4, cl CHAR(5) CHARSET latin1, vb VARBINARY(50), bn BINARY(8),"
                  " tx TEXT CHARSET utf8mb4, bl BLOB, tt TINYTEXT CHARSET latin1, mt MEDIUMTEXT CHARSET utf8mb4,"
                  " lb LONGBLOB, cp VARCHAR(20) CHARSET cp1251, gb VARCHAR(20) CHARSET gbk,"
                  " u3 VARCHAR(20) CHARSET ") +
          (mysql ? "utf8mb3" : "utf8mb3") + ", a VARCHAR(20) CHARSET ascii, big VARCHAR(300) CHARSET utf8mb4)",
      "INSERT INTO strs VALUES (1, 'h\xc3\xa9llo \xf0\x9f\x98\x80 \xe2\x9c\x93', 'caf\xc3\xa9 \xe2\x82\xac \xc3\xbf',"
      " 'pad  ', 'ab', x'00410042FF', x'0001', 'line1\nline2\ttab \xf0\x9f\x8e\x89', x'000102030405FEFF', 'tiny',"
      " 'medium \xf0\x9f\x98\x80', x'DEADBEEF00', '\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82',"
      " '\xe4\xbd\xa0\xe5\xa5\xbd', 'utf8 \xc3\xa9', 'ascii', REPEAT('\xc3\xa9', 300)),"
      " (2, '', '', '', '', '', x'', '', '', '', '', '', '', '', '', '', ''),"
      " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
      // ENUM/SET/BIT extremes.
      "CREATE TABLE bits (id INT PRIMARY KEY, e ENUM('a','b','c'), s SET('a','b','c','d','e','f','g','h','i'),"
      " b1 BIT(1), b9 BIT(9), b64 BIT(64))",
      "INSERT INTO bits VALUES (1, 'a', '', b'0', b'0', b'0'), (2, 'c', 'a,b,c,d,e,f,g,h,i', b'1', b'111111111',"
      " b'1111111111111111111111111111111111111111111111111111111111111111'),"
      " (3, NULL, NULL, NULL, NULL, NULL), (4, 'b', 'i', b'1', b'100000000',"
      " b'1000000000000000000000000000000000000000000000000000000000000001')",
      // DDL between row events, then rows in the new shape; updates and deletes.
      "ALTER TABLE ints ADD COLUMN extra VARCHAR(10) DEFAULT 'x'",
      "INSERT INTO ints (id, bi, extra) VALUES (5, 42, 'after ddl')",
      "UPDATE ints SET ti = ti + 1, extra = 'upd' WHERE id = 3",
      "UPDATE strs SET u = 'changed \xf0\x9f\x98\x81', l = NULL WHERE id = 1",
      "UPDATE times SET t6 = '-00:00:01.5', ts6 = '2001-02-03 04:05:06.7' WHERE id = 3",
      "DELETE FROM nums WHERE id = 2",
      "DELETE FROM bits WHERE id = 4",
  };
  if (mysql) {
    // MySQL's mysqlbinlog -vv cannot print GEOMETRY ("Don't know how to handle
    // column type=255") and drops the rest of the event, so geometry lives in
    // its own table and is checked against SELECT HEX(g) instead.
    sql.push_back("CREATE TABLE myg (id INT PRIMARY KEY, g GEOMETRY, p POINT)");
    sql.push_back(
        "INSERT INTO myg VALUES (1, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('POINT(1.5 -2)')),"
        " (2, ST_GeomFromText('LINESTRING(0 0,10 10)', 4326), NULL), (3, NULL, NULL)");
    sql.push_back("CREATE TABLE myx (id INT PRIMARY KEY, j JSON, v VECTOR(3))");
    sql.push_back(
        "INSERT INTO myx VALUES (1, '{\"a\": 1, \"b\": [true, false, null, \"s\", 3.5, -7], \"c\": {\"d\": \"e\"},"
        " \"big\": 18446744073709551615, \"neg\": -9223372036854775808}', STRING_TO_VECTOR('[1.5,-2.25,3e10]')),"
        " (2, JSON_OBJECT('when', CAST('2024-01-02 03:04:05.123456' AS DATETIME(6)), 'day', CAST('2024-01-02' AS"
        " DATE), 'dec', CAST(12.340 AS DECIMAL(10,3)), 'arr', JSON_ARRAY()), STRING_TO_VECTOR('[0,0,0]')),"
        " (3, NULL, NULL), (4, '[]', NULL), (5, '\"\xc3\xa9\"', NULL)");
    sql.push_back("UPDATE myx SET j = JSON_SET(j, '$.a', 42, '$.new', JSON_ARRAY('p', 'q')) WHERE id = 1");
    sql.push_back("UPDATE myx SET j = JSON_REMOVE(j, '$.c') WHERE id = 1");
    sql.push_back("UPDATE myx SET j = JSON_REPLACE(j, '$.b[1]', 'two') WHERE id = 1");
  } else {
    sql.push_back("CREATE TABLE mdx (id INT PRIMARY KEY, j JSON, i6 INET6, u UUID, g GEOMETRY, p POINT, i4 INET4)");
    sql.push_back(
        "INSERT INTO mdx VALUES (1, '{\"a\": [1, 2.5, \"x\"]}', '2001:db8::ff00:42:8329', "
        "'123e4567-e89b-12d3-a456-426655440000', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),"
        " ST_GeomFromText('POINT(1.5 -2)'), '192.168.0.1'), (2, '[]', '::', '00000000-0000-0000-0000-000000000000',"
        " NULL, NULL, '0.0.0.0'), (3, NULL, NULL, NULL, NULL, NULL, NULL)");
    sql.push_back("UPDATE mdx SET i6 = '::1', u = 'ffffffff-ffff-ffff-ffff-ffffffffffff' WHERE id = 2");
  }
  if (s.big_value) sql.push_back("UPDATE strs SET lb = REPEAT('0123456789abcdef', 1100000) WHERE id = 2");
  // A multi-statement transaction (compressed as one payload on MySQL).
  sql.push_back("BEGIN");
  sql.push_back("INSERT INTO ints (id, i) VALUES (10, 10), (11, 11)");
  sql.push_back("UPDATE ints SET i = i * 10 WHERE id IN (10, 11)");
  sql.push_back("DELETE FROM ints WHERE id = 10");
  sql.push_back("COMMIT");
  return sql;
}

class DumpOracleLive : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam().flavor);
    if (is_mysql(GetParam().flavor) && GetParam().settings.metadata == "NO_LOG")
      GTEST_SKIP() << "MySQL has no binlog_row_metadata=NO_LOG (MINIMAL is its default)";
  }
};

TEST_P(DumpOracleLive, EveryRowValueMatchesTheServersOwnTool) {
  const Flavor flavor = GetParam().flavor;
  const Settings& s = GetParam().settings;
  const bool mysql = is_mysql(flavor);
  Server& master = shared_server(flavor, Role::kMaster);

  master.exec("SET GLOBAL binlog_row_metadata = " + s.metadata);
  master.exec("SET GLOBAL max_allowed_packet = 134217728");
  if (!mysql) {
    master.exec(std::string("SET GLOBAL log_bin_compress = ") + (s.compress ? "ON" : "OFF"));
    master.exec("SET GLOBAL log_bin_compress_min_len = 10");
  }
  master.exec("FLUSH BINARY LOGS");
  const std::string first_file = master.binlog_status().file;

  {
    SqlConnection conn = master.connect();  // a new session sees the new max_allowed_packet
    conn.exec("SET SESSION binlog_row_image = " + s.row_image);
    if (mysql) {
      conn.exec(std::string("SET SESSION binlog_transaction_compression = ") + (s.compress ? "ON" : "OFF"));
      if (s.row_image == "MINIMAL") conn.exec("SET SESSION binlog_row_value_options = 'PARTIAL_JSON'");
    }
    for (const std::string& statement : workload(flavor, s)) conn.exec(statement);
  }
  master.exec("FLUSH BINARY LOGS");
  if (!mysql) master.exec("SET GLOBAL log_bin_compress = OFF");

  std::vector<std::string> files;
  bool in_range = false;
  const std::vector<std::string> all = master.binlog_files();
  for (size_t i = 0; i + 1 < all.size(); ++i) {  // the last one is the new, empty file
    if (std::filesystem::path(all[i]).filename() == first_file) in_range = true;
    if (in_range) files.push_back(all[i]);
  }
  ASSERT_FALSE(files.empty()) << "no binlog file for the workload (first " << first_file << ")";

  std::vector<std::string> ours_argv = {GALAXIS_BINARY, "binlog", "dump", "--format", "jsonl"};
  ours_argv.insert(ours_argv.end(), files.begin(), files.end());
  const ProcessResult ours = run_process(ours_argv, 300);
  ASSERT_EQ(ours.exit_code, 0) << ours.err;

  std::vector<std::string> tool_args = {"-vv", "--base64-output=decode-rows"};
  tool_args.insert(tool_args.end(), files.begin(), files.end());
  const std::string theirs = master.run_binlog_tool(tool_args);

  auto our_rows = binlog::oracle::parse_dump_rows(ours.out);
  auto their_rows = binlog::oracle::parse_oracle_rows(theirs);
  if (mysql) {
    // GEOMETRY against SQL: our value is the server's internal form, HEX(g).
    std::vector<binlog::oracle::DumpedRow> geometry_rows;
    std::erase_if(our_rows, [&](const auto& row) {
      if (row.table != "`dump_types`.`myg`") return false;
      geometry_rows.push_back(row);
      return true;
    });
    std::erase_if(their_rows, [](const auto& row) { return row.table == "`dump_types`.`myg`"; });
    const SqlRows expected = master.query("SELECT id, HEX(g), HEX(p) FROM dump_types.myg ORDER BY id");
    ASSERT_EQ(geometry_rows.size(), expected.size());
    for (size_t r = 0; r < expected.size(); ++r) {
      const auto& after = geometry_rows[r].after;
      ASSERT_EQ(after.size(), 3u);
      for (size_t c = 1; c < 3; ++c) {
        if (!expected[r][c]) {
          EXPECT_TRUE(after[c].is_null()) << after[c];
          continue;
        }
        ASSERT_TRUE(after[c].is_object()) << after[c];
        std::string hex;
        for (unsigned char ch : binlog::oracle::base64_decode(after[c]["base64"].get<std::string>()))
          hex += fmt::format("{:02X}", ch);
        EXPECT_EQ(hex, *expected[r][c]) << "myg row " << r << " column " << c;
      }
    }
  }
  size_t values = 0;
  for (const auto& row : their_rows) values += row.before.size() + row.after.size();
  // The workload changes 34+ rows; a parser that finds fewer is broken.
  EXPECT_GE(their_rows.size(), 30u);
  for (const std::string& problem : binlog::oracle::compare_rows(our_rows, their_rows))
    ADD_FAILURE() << flavor_name(flavor) << " " << s.name << ": " << problem;
  std::printf("%s %s: %zu files, %zu rows, %zu values compared with the server's binlog tool\n",
              std::string(flavor_name(flavor)).c_str(), s.name.c_str(), files.size(), their_rows.size(), values);

  if (s.big_value) {
    // The >16 MiB value (17.6 MB) came through whole: base64 when the binlog
    // says the column is binary, a string when it has no charset metadata
    // (the bytes are valid UTF-8).
    bool found = false;
    for (const auto& row : our_rows) {
      for (const auto& v : row.after) {
        if (v.is_object() && v.contains("base64") && v["base64"].get<std::string>().size() == 23'466'668) found = true;
        if (v.is_string() && v.get<std::string>().size() == 17'600'000) found = true;
      }
    }
    EXPECT_TRUE(found) << "no value over 16 MiB in our dump";
  }
  if (mysql && s.compress) {
    EXPECT_NE(ours.out.find("\"in_payload\":true"), std::string::npos);
  }
  if (mysql && s.row_image == "MINIMAL") {
    EXPECT_NE(ours.out.find("\"partial_update_rows\""), std::string::npos);
  }
  if (!mysql && s.compress) {
    EXPECT_NE(ours.out.find("\"compressed\":true"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, DumpOracleLive, ::testing::ValuesIn(all_cases()), [](const auto& param_info) {
  return flavor_test_name(param_info.param.flavor) + "_" + param_info.param.settings.name;
});

}  // namespace
}  // namespace galaxis::testing
