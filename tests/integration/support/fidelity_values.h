// The value-fidelity table shared by the sql and sync integration tests:
// one column per value form with its edge values, a keyed and a keyless
// copy of the table, a workload that inserts, updates (every value changes
// to another edge value, so before images carry edge values too) and
// deletes, and a byte-exact comparison of master and passive that names the
// first differing value.
//
// Columns are per flavour: a type the flavour lacks is left out, and
// fidelity_skipped() says which (the tests print it, so it is never silent).
// Header-only: both test binaries include it.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "galaxis/testing/harness.h"

namespace galaxis::testing::fidelity {

struct Column {
  std::string name;                 // `c_<name>`
  std::string type;                 // SQL type, e.g. "BINARY(4)"
  std::vector<std::string> values;  // edge values as SQL expressions
  // A value that differs only subtly from values[0] (trailing space, one
  // ulp, a pad byte, NULL vs ''), for the checksum divergence test. (-0.0 vs
  // 0.0 cannot be one: MariaDB stores -0.0 in FLOAT/DOUBLE as 0.0.)
  std::string subtle;
  // Comparable text of the stored value, `{}` being the column: HEX({}) by
  // default (bytes, so trailing spaces and padding count).
  std::string compare = "HEX({})";
  bool nullable = true;
};

inline std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// ENUM/SET member lists of many members (ENUM of 300 needs a 2-byte index,
// SET of 64 an 8-byte mask).
inline std::string members(const std::string& prefix, int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += fmt::format("{}'{}{}'", i > 1 ? "," : "", prefix, i);
  return out;
}

// `for_sync`: without the MySQL JSON scalars whose type the text form loses
// (DECIMAL, DATE, TIME, DATETIME): `sync` copies JSON as text (a known limit,
// docs/sync.md); the appliers get them exactly (Json::sql).
inline std::vector<Column> columns(Flavor flavor, bool for_sync = false) {
  const bool mysql = is_mysql(flavor);
  const bool maria = is_mariadb(flavor);
  // Numbers and temporal values as text: HEX() of a DECIMAL or a fractional
  // UNIX_TIMESTAMP() would compare their integer parts only.
  const std::string kText = "CAST({0} AS CHAR)";
  const std::string floats = "CONCAT(CAST({0} AS DOUBLE), IF({0} = 0 AND ATAN2({0}, -1) < 0, '/negative zero', ''))";
  std::string all_set;
  for (int i = 1; i <= 64; ++i) all_set += fmt::format("{}s{}", i > 1 ? "," : "", i);
  std::vector<Column> c = {
      {"tiny", "TINYINT", {"-128", "127", "0"}, "1"},
      {"utiny", "TINYINT UNSIGNED", {"255", "0"}, "254"},
      {"small", "SMALLINT", {"-32768", "32767"}, "-32767"},
      {"medium", "MEDIUMINT", {"-8388608", "8388607"}, "8388606"},
      {"umedium", "MEDIUMINT UNSIGNED", {"16777215", "0"}, "16777214"},
      {"int", "INT", {"-2147483648", "2147483647", "0"}, "-2147483647"},
      {"uint", "INT UNSIGNED", {"4294967295", "0"}, "4294967294"},
      {"big", "BIGINT", {"-9223372036854775808", "9223372036854775807", "-1"}, "-9223372036854775807"},
      {"ubig", "BIGINT UNSIGNED", {"18446744073709551615", "0", "9223372036854775808"}, "18446744073709551614"},
      {"dec65_30",
       "DECIMAL(65,30)",
       {"99999999999999999999999999999999999.999999999999999999999999999999",
        "-99999999999999999999999999999999999.999999999999999999999999999999", "0.000000000000000000000000000001",
        "-0.000000000000000000000000000001", "0"},
       "99999999999999999999999999999999999.999999999999999999999999999998",
       kText},
      {"dec65_0", "DECIMAL(65,0)", {repeat("9", 65), "-" + repeat("9", 65), "0"}, repeat("9", 64) + "8", kText},
      {"dec5_2", "DECIMAL(5,2)", {"-999.99", "0.01", "999.99"}, "-999.98", kText},
      {"float",
       "FLOAT",
       {"-0e0", "1.4e-45", "1e-40", "1.17549435e-38", "3.4028234663852886e38", "-3.4028234663852886e38", "0.1"},
       "1.4e-45",
       floats},
      {"double",
       "DOUBLE",
       {"-0e0", "4.9e-324", "1e-310", "2.2250738585072014e-308", "1.7976931348623157e308", "-1.7976931348623157e308",
        "0.1"},
       "4.9e-324",
       floats},
      {"bit1", "BIT(1)", {"b'1'", "b'0'"}, "b'0'", "HEX({0}+0)"},
      {"bit13", "BIT(13)", {"8191", "4096", "0"}, "8190", "HEX({0}+0)"},
      {"bit64",
       "BIT(64)",
       {"18446744073709551615", "9223372036854775808", "0", "1"},
       "18446744073709551614",
       "HEX({0}+0)"},
      {"enum300",
       "ENUM(" + members("e", 300) + ")",
       {"'e300'", "'e1'", "'e256'"},
       "'e299'",
       "CONCAT({0}+0, ':', HEX({0}))"},
      {"set64",
       "SET(" + members("s", 64) + ")",
       {"'s1,s64'", "''", "'s64'", "'" + all_set + "'"},
       "'s1'",
       "CONCAT(HEX({0}+0), ':', HEX({0}))"},
      {"year", "YEAR", {"0", "1901", "2155", "2000"}, "1902", "HEX({0}+0)"},
      {"date",
       "DATE",
       {"'0000-00-00'", "'1000-01-01'", "'9999-12-31'", "'2024-02-29'", "'2024-00-00'"},
       "'0000-00-01'"},
      {"datetime",
       "DATETIME",
       {"'0000-00-00 00:00:00'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'"},
       "'0000-00-00 00:00:01'"},
      {"datetime1", "DATETIME(1)", {"'2024-01-01 00:00:00.9'", "'0000-00-00 00:00:00.0'"}, "'2024-01-01 00:00:00.8'"},
      {"datetime3",
       "DATETIME(3)",
       {"'1000-01-01 00:00:00.001'", "'2024-01-01 23:59:59.999'"},
       "'1000-01-01 00:00:00.002'"},
      {"datetime6",
       "DATETIME(6)",
       {"'9999-12-31 23:59:59.999999'", "'0000-00-00 00:00:00.000000'", "'2024-02-29 12:34:56.000001'"},
       "'9999-12-31 23:59:59.999998'"},
      {"ts",
       "TIMESTAMP",
       {"'1970-01-01 00:00:01'", "'0000-00-00 00:00:00'", "'2038-01-19 03:14:07'"},
       "'1970-01-01 00:00:02'",
       "CAST(UNIX_TIMESTAMP({0}) AS CHAR)"},
      {"ts6",
       "TIMESTAMP(6)",
       {"'2038-01-19 03:14:07.999999'", "'1970-01-01 00:00:01.000001'", "'0000-00-00 00:00:00.000000'"},
       "'2038-01-19 03:14:07.999998'",
       "CAST(UNIX_TIMESTAMP({0}) AS CHAR)"},
      {"ts4",
       "TIMESTAMP(4)",
       {"'2001-02-03 04:05:06.0007'"},
       "'2001-02-03 04:05:06.0008'",
       "CAST(UNIX_TIMESTAMP({0}) AS CHAR)"},
      {"time", "TIME", {"'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:01'"}, "'-838:59:58'"},
      {"time2", "TIME(2)", {"'-01:02:03.45'", "'00:00:00.01'"}, "'-01:02:03.44'"},
      {"time6",
       "TIME(6)",
       {"'-838:59:59.000000'", "'838:59:59.000000'", "'-00:00:00.000001'", "'12:00:00.5'"},
       "'-838:59:58.999999'"},
      {"char_latin1", "CHAR(5) CHARACTER SET latin1", {"'a'", "'a    '", "''", "' a'", "'\xc3\xa9'"}, "'A'"},
      {"char_ucs2", "CHAR(5) CHARACTER SET ucs2", {"'ab'", "'ab   '", "''", "'\xc4\x80\xe2\x82\xac'"}, "'aB'"},
      {"char_nopad",
       mysql ? "CHAR(6) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin"
             : "CHAR(6) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
       {"'a'", "'a  '", "''", "' a'"},
       "'b'"},
      {"vc",
       "VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
       {"'a'", "'a '", "'a  '", "''", "'\xf0\x9f\x98\x80'", "CONCAT('a', CHAR(0), 'b')", "'\\\\'", "''''", "'#'"},
       "'a '"},
      {"vc_empty", "VARCHAR(5)", {"''", "'x'"}, "NULL"},
      {"vc_ci", "VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", {"'abc'", "'ABC '"}, "'ABC'"},
      {"vc_utf16", "VARCHAR(10) CHARACTER SET utf16", {"'\xf0\x9f\x98\x80'", "'a '", "''"}, "'\xf0\x9f\x98\x81'"},
      {"vc_utf32", "VARCHAR(10) CHARACTER SET utf32", {"'\xf0\x9f\x98\x80x'", "' '", "'\\''"}, "'\xf0\x9f\x98\x80y'"},
      {"vc_cp1251",
       "VARCHAR(10) CHARACTER SET cp1251",
       {"'\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82'", "'a'"},
       "'\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 '"},
      // ソ is 0x835C in Shift-JIS: its second byte is a backslash.
      {"vc_sjis",
       "VARCHAR(10) CHARACTER SET sjis",
       {"'\xe3\x82\xbd'", "'\xe6\x97\xa5\xe6\x9c\xac'"},
       "'\xe3\x82\xbd\\\\'"},
      {"bin4", "BINARY(4)", {"x'41'", "x'4100'", "x'00000000'", "''", "x'41424344'", "x'00000041'"}, "x'41000001'"},
      {"varbin", "VARBINARY(8)", {"x'41'", "''", "x'00'", "x'4100'"}, "x'4100'"},
      {"text", "TEXT", {"REPEAT('x', 1000)", "''", "'t'"}, "CONCAT(REPEAT('x', 999), 'y')"},
      {"blob", "BLOB", {"x'00ff00'", "''", "REPEAT(x'00', 300)"}, "x'00ff01'"},
      {"point",
       "POINT",
       {"ST_GeomFromText('POINT(1.5 -2.25)')", "ST_GeomFromText('POINT(0 0)')"},
       "ST_GeomFromText('POINT(1.5 -2.5)')"},
      {"linestring",
       "LINESTRING",
       {"ST_GeomFromText('LINESTRING(0 0,1 1,2 2)')"},
       "ST_GeomFromText('LINESTRING(0 0,1 1,2 3)')"},
      {"polygon",
       "POLYGON",
       {"ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))')"},
       "ST_GeomFromText('POLYGON((0 0,10 0,10 11,0 10,0 0))')"},
      {"multipoint", "MULTIPOINT", {"ST_GeomFromText('MULTIPOINT(0 0,1 1)')"}, "ST_GeomFromText('MULTIPOINT(0 0)')"},
      {"multilinestring",
       "MULTILINESTRING",
       {"ST_GeomFromText('MULTILINESTRING((0 0,1 1),(2 2,3 3))')"},
       "ST_GeomFromText('MULTILINESTRING((0 0,1 1))')"},
      {"multipolygon",
       "MULTIPOLYGON",
       {"ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))')"},
       "ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)))')"},
      {"geomcoll",
       "GEOMETRYCOLLECTION",
       {"ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))')",
        "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(2 2))')"},
       "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2))')"},
      {"geometry",
       "GEOMETRY",
       {"ST_GeomFromText('POINT(3 4)')", "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')",
        "ST_GeomFromText('MULTIPOINT(1 1)')"},
       "ST_GeomFromText('POINT(3 5)')"},
  };
  for (Column& col : c) {
    if (col.type.rfind("DATE", 0) == 0 || col.type.rfind("TIME", 0) == 0) {
      if (col.type.rfind("TIMESTAMP", 0) != 0) col.compare = kText;
    }
  }
  if (mysql) {
    c.push_back({"point_srid",
                 "POINT SRID 4326",
                 {"ST_GeomFromText('POINT(45 10)', 4326)", "ST_GeomFromText('POINT(-90 -180)', 4326)"},
                 "ST_GeomFromText('POINT(45 11)', 4326)"});
    c.push_back({"json",
                 "JSON",
                 {"'{\"a\": 1, \"b\": [1, 2.5, \"x\", null, true]}'", "'[]'", "'null'", "'\"str\"'",
                  "'18446744073709551615'", "'-9223372036854775808'", "'1e300'",
                  "'{\"k\": \"a\\\\\"b\\\\u00e9\\\\ud83d\\\\ude00\", \"n\": {\"m\": [[], {}]}}'"},
                 "'{\"a\": 1, \"b\": [1, 2.5, \"x\", null, false]}'",
                 "HEX(CONCAT(JSON_TYPE({0}), ':', CAST({0} AS CHAR)))"});
    if (!for_sync) {
      for (const char* typed :
           {"CAST(1.50 AS JSON)", "CAST(CAST('2024-01-02' AS DATE) AS JSON)",
            "CAST(CAST('12:00:00.5' AS TIME(1)) AS JSON)", "CAST(CAST('2024-01-02 03:04:05.6' AS DATETIME(1)) AS JSON)",
            "JSON_OBJECT('d', 2.50, 'u', CAST(7 AS UNSIGNED), 't', CAST('2024-01-02' AS DATE))"})
        c.back().values.push_back(typed);
    }
    c.push_back({"vector",
                 "VECTOR(3)",
                 {"STRING_TO_VECTOR('[1.5,-2,3.25]')", "STRING_TO_VECTOR('[3.4e38,-1.5e-38,1e-30]')",
                  "STRING_TO_VECTOR('[0,0,0]')"},
                 "STRING_TO_VECTOR('[1.5,-2,3.5]')"});
  }
  if (maria) {
    c.push_back({"dec65_38",
                 "DECIMAL(65,38)",
                 {repeat("9", 27) + "." + repeat("9", 38), "-0." + repeat("0", 37) + "1", "0",
                  "-" + repeat("9", 27) + "." + repeat("9", 38)},
                 repeat("9", 27) + "." + repeat("9", 37) + "8",
                 kText});
    c.push_back({"dec38_38",
                 "DECIMAL(38,38)",
                 {"0." + repeat("9", 38), "-0." + repeat("0", 37) + "1"},
                 "0." + repeat("9", 37) + "8",
                 kText});
    c.push_back({"uuid",
                 "UUID",
                 {"'123e4567-e89b-12d3-a456-426655440000'", "'00000000-0000-0000-0000-000000000000'",
                  "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'6ccd780c-baba-1026-9564-5b8c656024db'",
                  "'00000000-0000-0000-0000-000000000001'", "'10000000-0000-0000-0000-000000000000'"},
                 "'123e4567-e89b-12d3-a456-426655440001'",
                 "HEX(CAST({0} AS BINARY))"});
    c.push_back({"inet6",
                 "INET6",
                 {"'::'", "'::1'", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'", "'::ffff:1.2.3.4'", "'2001:db8::'",
                  "'fe80::1:0:0:0'"},
                 "'::2'",
                 "HEX(CAST({0} AS BINARY))"});
    c.push_back({"vc_compressed",
                 "VARCHAR(100) COMPRESSED",
                 {"REPEAT('abc', 30)", "'a'", "''", "'a '"},
                 "CONCAT(REPEAT('abc', 29), 'abd')"});
    c.push_back({"text_compressed",
                 "TEXT COMPRESSED",
                 {"REPEAT('hello ', 200)", "''", "'x'"},
                 "CONCAT(REPEAT('hello ', 199), 'hellp ')"});
    c.push_back({"blob_compressed",
                 "BLOB COMPRESSED",
                 {"REPEAT(x'00ff', 500)", "x'00'", "''"},
                 "CONCAT(REPEAT(x'00ff', 499), x'00fe')"});
    c.push_back({"json", "JSON", {"'{\"a\": [1, 2.5, null]}'", "'[]'"}, "'{\"a\": [1, 2.5, null] }'"});
  }
  if (flavor == Flavor::kMariaDB118) {
    c.push_back({"inet4",
                 "INET4",
                 {"'0.0.0.0'", "'255.255.255.255'", "'1.0.0.0'", "'10.0.0.1'"},
                 "'0.0.0.1'",
                 "HEX(CAST({0} AS BINARY))"});
    // MariaDB's VECTOR columns are NOT NULL.
    Column v{"vector",
             "VECTOR(3)",
             {"VEC_FromText('[1.5,-2,3.25]')", "VEC_FromText('[-1e10,0.5,1e-5]')", "VEC_FromText('[0,0,0]')"},
             "VEC_FromText('[1.5,-2,3.5]')"};
    v.nullable = false;
    c.push_back(v);
  }
  return c;
}

// Value forms this flavour has no column type for (printed by the tests).
inline std::string skipped(Flavor flavor) {
  switch (flavor) {
    case Flavor::kMariaDB1011:
      return "no JSON type (JSON is LONGTEXT), no partial JSON, no SRID columns, no INET4 (11.3+), no VECTOR (11.7+)";
    case Flavor::kMariaDB118: return "no JSON type (JSON is LONGTEXT), no partial JSON, no SRID columns";
    case Flavor::kMySQL97: return "no UUID/INET6/INET4 types, no DECIMAL scale above 30, no COMPRESSED columns";
  }
  return "";
}

inline std::string column_definitions(const std::vector<Column>& cols) {
  std::string out;
  for (const Column& c : cols)
    out += fmt::format(",`c_{}` {} {}", c.name, c.type, c.nullable ? "NULL DEFAULT NULL" : "NOT NULL");
  return out;
}

// DROP + CREATE DATABASE `db` with tables k (id PRIMARY KEY) and n (no key).
inline std::string setup_sql(Flavor flavor, const std::string& db, bool for_sync = false) {
  const std::string cols = column_definitions(columns(flavor, for_sync));
  return fmt::format(
      "DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}` DEFAULT CHARSET utf8mb4;"
      "CREATE TABLE `{0}`.k (id INT NOT NULL PRIMARY KEY{1});"
      "CREATE TABLE `{0}`.n (id INT NOT NULL{1});",
      db, cols);
}

// Rows 1..rows(): row i holds values[(i - 1 + shift) % n] of each column;
// the last row is all NULL (nullable columns).
inline size_t rows(const std::vector<Column>& cols) {
  size_t most = 0;
  for (const Column& c : cols) most = std::max(most, c.values.size());
  return most + 1;
}

inline std::string value_at(const Column& c, size_t row, size_t shift, size_t total_rows) {
  if (row == total_rows && c.nullable) return "NULL";
  return c.values[(row - 1 + shift) % c.values.size()];
}

inline std::string insert_sql(const std::vector<Column>& cols, const std::string& table, size_t row, size_t shift,
                              size_t total_rows) {
  std::string names = "id", values = std::to_string(row);
  for (const Column& c : cols) {
    names += ",`c_" + c.name + "`";
    values += "," + value_at(c, row, shift, total_rows);
  }
  return fmt::format("INSERT INTO {} ({}) VALUES ({});", table, names, values);
}

inline std::string update_sql(const std::vector<Column>& cols, const std::string& table, size_t row,
                              const std::vector<std::string>& values) {
  std::string sets;
  for (size_t i = 0; i < cols.size(); ++i) sets += fmt::format("{}`c_{}`={}", i ? "," : "", cols[i].name, values[i]);
  return fmt::format("UPDATE {} SET {} WHERE id = {};", table, sets, row);
}

// The master's workload (as root; zero dates need a permissive sql_mode):
// insert every edge value, update every row so each value moves to another
// edge value (NULL rows get values, one row becomes NULL), delete every
// third row, and a row inserted, updated and deleted in one transaction.
// On MySQL a few partial JSON updates follow (binlog_row_value_options).
inline std::string workload_sql(Flavor flavor, const std::string& db, bool for_sync = false) {
  const auto cols = columns(flavor, for_sync);
  const size_t total = rows(cols);
  std::string sql = "SET SESSION sql_mode = '', time_zone = '+00:00';";
  for (const char* t : {"k", "n"}) {
    const std::string table = fmt::format("`{}`.{}", db, t);
    sql += "BEGIN;";
    for (size_t r = 1; r <= total; ++r) sql += insert_sql(cols, table, r, 0, total);
    sql += "COMMIT;BEGIN;";
    for (size_t r = 1; r <= total; ++r) {
      std::vector<std::string> values;
      for (const Column& c : cols) {
        if (r == 1 && c.nullable) {
          values.push_back("NULL");
        } else {
          values.push_back(c.values[r % c.values.size()]);
        }
      }
      sql += update_sql(cols, table, r, values);
    }
    sql += "COMMIT;";
    sql += fmt::format("DELETE FROM {} WHERE id % 3 = 0;", table);
    sql += "BEGIN;" + insert_sql(cols, table, 1000, 1, total);
    sql += update_sql(cols, table, 1000, [&] {
      std::vector<std::string> v;
      for (const Column& c : cols) v.push_back(c.values[(2) % c.values.size()]);
      return v;
    }());
    sql += fmt::format("DELETE FROM {} WHERE id = 1000;COMMIT;", table);
  }
  if (is_mysql(flavor)) {
    sql += fmt::format(
        "SET SESSION binlog_row_value_options = 'PARTIAL_JSON';"
        "UPDATE `{0}`.k SET c_json = JSON_SET(c_json, '$.a', 2, '$.new', 'x') WHERE JSON_TYPE(c_json) = 'OBJECT';"
        "UPDATE `{0}`.k SET c_json = JSON_REPLACE(c_json, '$.a', 1.25) WHERE JSON_TYPE(c_json) = 'OBJECT';"
        "UPDATE `{0}`.k SET c_json = JSON_REMOVE(c_json, '$.new') WHERE JSON_TYPE(c_json) = 'OBJECT';"
        "UPDATE `{0}`.k SET c_json = JSON_ARRAY_APPEND(c_json, '$', 'z') WHERE JSON_TYPE(c_json) = 'ARRAY';"
        "UPDATE `{0}`.n SET c_json = JSON_SET(c_json, '$.a', 3) WHERE JSON_TYPE(c_json) = 'OBJECT';"
        "SET SESSION binlog_row_value_options = '';",
        db);
  }
  return sql;
}

// Byte-exact comparison of table `table` of `db` on both servers, one
// comparable expression per column, rows in (id, every column) order.
// Returns "" or the first differing value, named by table, row and column.
inline std::string diff_table(Server& master, Server& passive, Flavor flavor, const std::string& db,
                              const std::string& table, bool for_sync = false) {
  const auto cols = columns(flavor, for_sync);
  std::string select = "SELECT id";
  for (const Column& c : cols) select += "," + fmt::format(fmt::runtime(c.compare), "`c_" + c.name + "`");
  std::string order = " ORDER BY id";
  for (size_t i = 0; i < cols.size(); ++i) order += "," + std::to_string(i + 2);
  auto read = [&](Server& s, const std::string& d) {
    SqlConnection conn = s.connect();
    conn.exec("SET time_zone = '+00:00'");
    return conn.query(select + fmt::format(" FROM `{}`.{}", d, table) + order);
  };
  const SqlRows a = read(master, db);
  const SqlRows b = read(passive, db);
  auto show = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : std::string("NULL"); };
  for (size_t r = 0; r < std::min(a.size(), b.size()); ++r) {
    for (size_t i = 0; i < a[r].size(); ++i) {
      if (a[r][i] != b[r][i]) {
        const std::string name = i == 0 ? "id" : "c_" + cols[i - 1].name + " (" + cols[i - 1].type + ")";
        return fmt::format("{}.{} row {} (id {}) column {}: master {} passive {}", db, table, r + 1, show(a[r][0]),
                           name, show(a[r][i]), show(b[r][i]));
      }
    }
  }
  if (a.size() != b.size()) return fmt::format("{}.{}: master has {} rows, passive {}", db, table, a.size(), b.size());
  return "";
}

inline std::string diff(Server& master, Server& passive, Flavor flavor, const std::string& db, bool for_sync = false) {
  std::string out = diff_table(master, passive, flavor, db, "k", for_sync);
  if (out.empty()) out = diff_table(master, passive, flavor, db, "n", for_sync);
  return out;
}

}  // namespace galaxis::testing::fidelity
