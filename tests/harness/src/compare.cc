#include "galaxis/testing/compare.h"

#include <algorithm>
#include <map>
#include <set>

#include "galaxis/common/error.h"
#include "galaxis/testing/server.h"

namespace galaxis::testing {

namespace {

// A value for a message: NULL, or "..." with non-printable bytes as \xHH,
// cut after 64 bytes.
std::string show(const std::optional<std::string>& value) {
  if (!value) return "NULL";
  constexpr size_t kMax = 64;
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < value->size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>((*value)[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);  // UTF-8 passes through
    }
  }
  out += "\"";
  if (value->size() > kMax) out += "...(" + std::to_string(value->size()) + " bytes)";
  return out;
}

// NULL sorts first; then bytewise.
int compare_values(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  const int c = a->compare(*b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_keys(const SqlRow& a, const SqlRow& b, const std::vector<size_t>& key) {
  if (key.empty()) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (int c = compare_values(a[i], b[i])) return c;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  for (size_t i : key) {
    if (int c = compare_values(a[i], b[i])) return c;
  }
  return 0;
}

std::string describe_row(const std::vector<std::string>& columns, const SqlRow& row, const std::vector<size_t>& key) {
  std::string out = "(";
  std::vector<size_t> shown = key;
  if (shown.empty()) {
    for (size_t i = 0; i < row.size(); ++i) shown.push_back(i);
  }
  for (size_t n = 0; n < shown.size(); ++n) {
    if (n > 0) out += ", ";
    const size_t i = shown[n];
    out += (i < columns.size() ? columns[i] : "?") + "=" + show(row[i]);
  }
  return out + ")";
}

struct Column {
  std::string name;
  std::string type;
  std::string nullable;
  std::optional<std::string> default_value;
  std::optional<std::string> charset;
  std::optional<std::string> collation;
  std::string extra;
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::string> primary_key;
  // MariaDB WITH SYSTEM VERSIONING: rows are read FOR SYSTEM_TIME ALL (history
  // included), with the implicit row_start/row_end when no PERIOD names them.
  bool versioned = false;
  bool explicit_period = false;
};

struct Side {
  SqlConnection* conn;
  std::string db;
  bool mariadb;
  std::map<std::string, Table> tables;
};

// Removes integer display widths ("int(11)" -> "int"): MySQL 8+ hides them.
std::string normalize_type(std::string type) {
  for (const char* name : {"tinyint(", "smallint(", "mediumint(", "bigint(", "int("}) {
    const size_t at = type.find(name);
    if (at != 0) continue;
    const size_t open = std::string(name).size() - 1;
    const size_t close = type.find(')', open);
    if (close != std::string::npos) type.erase(open, close - open + 1);
    break;
  }
  return type;
}

// MariaDB reports defaults as SQL expressions ('abc', NULL, current_timestamp());
// MySQL as plain values. Bring MariaDB's to MySQL's form.
std::optional<std::string> normalize_default(const std::optional<std::string>& value, bool mariadb) {
  if (!value || !mariadb) return value;
  const std::string& v = *value;
  if (v == "NULL") return std::nullopt;
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\'' && i + 2 < v.size() && v[i + 1] == '\'') ++i;
      out += v[i];
    }
    return out;
  }
  std::string lower;
  for (char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("current_timestamp", 0) == 0) {
    const std::string precision = v.substr(std::string("current_timestamp").size());
    return "CURRENT_TIMESTAMP" + (precision == "()" ? std::string() : precision);
  }
  return value;
}

std::string normalize_extra(std::string extra) {
  for (const std::string word : {"DEFAULT_GENERATED ", "DEFAULT_GENERATED"}) {
    for (size_t at; (at = extra.find(word)) != std::string::npos;) extra.erase(at, word.size());
  }
  while (!extra.empty() && extra.back() == ' ') extra.pop_back();
  std::string lower;
  for (char c : extra) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

void load(Side& side) {
  SqlConnection& c = *side.conn;
  side.mariadb = c.query_value("SELECT VERSION()").find("MariaDB") != std::string::npos;
  const std::string db = c.quote(side.db);
  if (c.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + db).empty()) {
    throw_error(Error::Kind::kServer, "database `{}` does not exist", side.db);
  }
  for (const SqlRow& row :
       c.query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + db +
               " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')")) {
    side.tables[row[0].value_or("")].versioned = row[1].value_or("") == "SYSTEM VERSIONED";
  }
  for (const SqlRow& row : c.query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
                                   "CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, GENERATION_EXPRESSION "
                                   "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                                   db + " ORDER BY TABLE_NAME, ORDINAL_POSITION")) {
    auto it = side.tables.find(row[0].value_or(""));
    if (it == side.tables.end()) continue;  // a view
    if (row[8].value_or("") == "ROW START") it->second.explicit_period = true;
    Column col;
    col.name = row[1].value_or("");
    col.type = normalize_type(row[2].value_or(""));
    col.nullable = row[3].value_or("");
    col.default_value = normalize_default(row[4], side.mariadb);
    col.charset = row[5];
    col.collation = row[6];
    col.extra = normalize_extra(row[7].value_or(""));
    it->second.columns.push_back(std::move(col));
  }
  for (const SqlRow& row : c.query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
                                   "WHERE TABLE_SCHEMA = " +
                                   db + " AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX")) {
    auto it = side.tables.find(row[0].value_or(""));
    if (it != side.tables.end()) it->second.primary_key.push_back(row[1].value_or(""));
  }
}

std::string describe_column(const Column& c, bool with_collation) {
  std::string out = "`" + c.name + "` " + c.type;
  if (c.charset) out += " charset " + *c.charset;
  if (with_collation && c.collation) out += " collate " + *c.collation;
  out += c.nullable == "YES" ? " null" : " not null";
  out += " default " + (c.default_value ? show(c.default_value) : std::string("NULL"));
  if (!c.extra.empty()) out += " " + c.extra;
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

struct Report {
  size_t budget;
  std::string text;
  bool truncated = false;
  void add(const std::string& line) {
    if (budget == 0) {
      truncated = true;
      return;
    }
    text += line + "\n";
    --budget;
  }
};

// Layout differences of one table; returns true when rows can still be
// compared (same column names in the same order).
bool compare_layout(const std::string& label, const Table& a, const Table& b, bool with_collation, Report& report) {
  bool same_names = a.columns.size() == b.columns.size();
  const size_t n = std::max(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string da = i < a.columns.size() ? describe_column(a.columns[i], with_collation) : "(none)";
    const std::string db = i < b.columns.size() ? describe_column(b.columns[i], with_collation) : "(none)";
    if (i < a.columns.size() && i < b.columns.size() && a.columns[i].name != b.columns[i].name) same_names = false;
    if (da != db) report.add(label + ": column " + std::to_string(i + 1) + ": " + da + " vs " + db);
  }
  if (a.primary_key != b.primary_key) {
    report.add(label + ": primary key (" + join(a.primary_key) + ") vs (" + join(b.primary_key) + ")");
  }
  return same_names;
}

// Every column information_schema lists, by name: SELECT * would leave out
// INVISIBLE columns.
TableRows read_rows(SqlConnection& c, const std::string& db, const std::string& table, const Table& layout,
                    const std::vector<size_t>& key) {
  std::string list;
  for (const Column& column : layout.columns) list += (list.empty() ? "" : ", ") + quote_identifier(column.name);
  if (layout.versioned && !layout.explicit_period) list += ", row_start, row_end";
  SqlResult result = c.query_with_columns("SELECT " + list + " FROM " + quote_identifier(db) + "." +
                                          quote_identifier(table) + (layout.versioned ? " FOR SYSTEM_TIME ALL" : ""));
  TableRows rows{std::move(result.columns), std::move(result.rows)};
  std::sort(rows.rows.begin(), rows.rows.end(), [&](const SqlRow& x, const SqlRow& y) {
    const int c1 = compare_keys(x, y, key);
    return c1 != 0 ? c1 < 0 : compare_keys(x, y, {}) < 0;
  });
  return rows;
}

}  // namespace

size_t diff_table_rows(const std::string& table_label, const TableRows& a, const TableRows& b,
                       const std::vector<size_t>& key_columns, size_t budget, std::string* out) {
  Report report{budget, ""};
  if (a.columns != b.columns) {
    report.add(table_label + ": columns (" + join(a.columns) + ") vs (" + join(b.columns) + ")");
  } else {
    size_t i = 0;
    size_t j = 0;
    size_t only_a = 0;
    size_t only_b = 0;
    size_t changed = 0;
    while (i < a.rows.size() || j < b.rows.size()) {
      const int c = i == a.rows.size() ? 1 : j == b.rows.size() ? -1 : compare_keys(a.rows[i], b.rows[j], key_columns);
      if (c < 0) {
        ++only_a;
        report.add(table_label + ": row " + describe_row(a.columns, a.rows[i], key_columns) + " only in a");
        ++i;
      } else if (c > 0) {
        ++only_b;
        report.add(table_label + ": row " + describe_row(b.columns, b.rows[j], key_columns) + " only in b");
        ++j;
      } else {
        bool row_changed = false;
        for (size_t k = 0; k < a.columns.size(); ++k) {
          if (compare_values(a.rows[i][k], b.rows[j][k]) != 0) {
            row_changed = true;
            report.add(table_label + ": row " + describe_row(a.columns, a.rows[i], key_columns) + " column `" +
                       a.columns[k] + "`: " + show(a.rows[i][k]) + " vs " + show(b.rows[j][k]));
          }
        }
        if (row_changed) ++changed;
        ++i;
        ++j;
      }
    }
    if (only_a + only_b + changed > 0 && report.truncated) {
      report.budget = 1;  // the summary line always fits
      report.add(table_label + ": in all " + std::to_string(changed) + " rows differ, " + std::to_string(only_a) +
                 " only in a, " + std::to_string(only_b) + " only in b (" + std::to_string(a.rows.size()) + " vs " +
                 std::to_string(b.rows.size()) + " rows)");
    }
  }
  *out += report.text;
  return budget >= report.budget ? budget - report.budget : 0;
}

std::string compare_databases(SqlConnection& a, const std::string& db_a, SqlConnection& b, const std::string& db_b,
                              const CompareOptions& options) {
  Side sa{&a, db_a, false, {}};
  Side sb{&b, db_b, false, {}};
  with_context("comparing: reading database a `" + db_a + "`", [&] { load(sa); });
  with_context("comparing: reading database b `" + db_b + "`", [&] { load(sb); });
  // Collation names differ between MariaDB and MySQL families by default
  // (uca1400 vs 0900): compare them only within one family.
  const bool with_collation = sa.mariadb == sb.mariadb;
  Report report{options.max_differences, ""};
  std::set<std::string> names;
  for (const auto& [name, table] : sa.tables) names.insert(name);
  for (const auto& [name, table] : sb.tables) names.insert(name);
  for (const std::string& name : names) {
    if (report.budget == 0) {
      report.truncated = true;
      break;
    }
    const std::string label = "table `" + name + "`";
    auto ia = sa.tables.find(name);
    auto ib = sb.tables.find(name);
    if (ia == sa.tables.end() || ib == sb.tables.end()) {
      report.add(label + ": only in " + (ia == sa.tables.end() ? "b" : "a"));
      continue;
    }
    bool rows_comparable = true;
    if (options.compare_layout) {
      rows_comparable = compare_layout(label, ia->second, ib->second, with_collation, report);
    }
    if (!rows_comparable) continue;
    std::vector<size_t> key;
    for (const std::string& k : ia->second.primary_key) {
      for (size_t i = 0; i < ia->second.columns.size(); ++i) {
        if (ia->second.columns[i].name == k) key.push_back(i);
      }
    }
    if (ia->second.primary_key != ib->second.primary_key) key.clear();  // order by the whole row then
    const TableRows rows_a =
        with_context("comparing: reading a." + name, [&] { return read_rows(a, db_a, name, ia->second, key); });
    const TableRows rows_b =
        with_context("comparing: reading b." + name, [&] { return read_rows(b, db_b, name, ib->second, key); });
    const size_t used = diff_table_rows(label, rows_a, rows_b, key, report.budget, &report.text);
    report.budget -= std::min(used, report.budget);
  }
  if (report.text.empty()) return "";
  std::string header = "databases differ (a = `" + db_a + "`, b = `" + db_b + "`):\n";
  if (report.truncated) report.text += "(more differences not shown)\n";
  return header + report.text;
}

std::string compare_databases(Server& a, const std::string& db_a, Server& b, const std::string& db_b,
                              const CompareOptions& options) {
  SqlConnection ca = a.connect();
  SqlConnection cb = b.connect();
  std::string result = compare_databases(ca, db_a, cb, db_b, options);
  if (result.empty()) return result;
  const std::string where = "databases differ (a = `" + db_a + "` on " + a.url() + " " +
                            std::string(flavor_name(a.flavor())) + ", b = `" + db_b + "` on " + b.url() + " " +
                            std::string(flavor_name(b.flavor())) + "):\n";
  return where + result.substr(result.find('\n') + 1);
}

}  // namespace galaxis::testing
