// dump_oracle.h — compare `binlog dump --format jsonl` row values with the
// row listing of the server's own tool (`mariadb-binlog -vv
// --base64-output=decode-rows`, Oracle `mysqlbinlog -vv`). Header-only so
// both the unit tests (checked-in reference dumps) and the live integration
// tests (tests/integration/binlog) can use it.
//
// The oracle prints, per row, `### INSERT INTO|UPDATE|DELETE FROM` then
// `### SET` / `### WHERE` sections of `###   @N=value /* TYPE meta=.. */`
// lines (a partial-JSON value may continue over several `###      ` lines).
// Value conventions of that printer (log_event print_value): integers signed,
// with "(unsigned)" after when they differ; strings quoted, bytes < 0x20 as
// \xNN (MySQL 9: \n \r \t) and everything else raw; DATE with ':' separators; TIMESTAMP as epoch
// seconds[.frac]; FLOAT %-20g; DOUBLE %.20g; BIT as b'bits', SET as b'bits' of its
// little-endian bytes in storage order; YEAR 0 as 1900; VECTOR as
// [%.5e,...]; partial JSON as nested JSON_REPLACE/JSON_INSERT/JSON_REMOVE.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "galaxis/binlog/format_charset.h"

namespace galaxis::binlog::oracle {

struct OracleValue {
  int column = 0;    // @N
  std::string text;  // value as printed (multi-line values joined with '\n')
  std::string type;  // "INT", "VARSTRING(256)", "BLOB/TEXT", ...
};

struct OracleRow {
  std::string kind;   // "INSERT", "UPDATE", "DELETE"
  std::string table;  // "`db`.`t`"
  std::vector<OracleValue> before, after;
};

inline std::vector<OracleRow> parse_oracle_rows(const std::string& output) {
  std::vector<OracleRow> rows;
  std::vector<OracleValue>* section = nullptr;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) != 0) continue;
    const std::string rest = line.substr(4);
    if (rest.rfind("INSERT INTO ", 0) == 0) {
      rows.push_back({"INSERT", rest.substr(12), {}, {}});
      section = nullptr;
    } else if (rest.rfind("UPDATE ", 0) == 0) {
      rows.push_back({"UPDATE", rest.substr(7), {}, {}});
      section = nullptr;
    } else if (rest.rfind("DELETE FROM ", 0) == 0) {
      rows.push_back({"DELETE", rest.substr(12), {}, {}});
      section = nullptr;
    } else if (rest == "SET" && !rows.empty()) {
      section = &rows.back().after;
    } else if (rest == "WHERE" && !rows.empty()) {
      section = &rows.back().before;
    } else if (rest.rfind("  @", 0) == 0 && section != nullptr) {
      OracleValue value;
      const size_t eq = rest.find('=');
      value.column = std::atoi(rest.c_str() + 3);
      value.text = rest.substr(eq + 1);
      section->push_back(value);
    } else if (rest.rfind("   ", 0) == 0 && section != nullptr && !section->empty()) {
      section->back().text += "\n" + rest.substr(3);
    }
  }
  // Split off the trailing " /* TYPE meta=... */" comments.
  for (OracleRow& row : rows) {
    for (auto* image : {&row.before, &row.after}) {
      for (OracleValue& value : *image) {
        const size_t comment = value.text.rfind(" /* ");
        if (comment != std::string::npos && value.text.size() >= 3 &&
            value.text.compare(value.text.size() - 3, 3, " */") == 0) {
          const std::string inside = value.text.substr(comment + 4);
          value.type = inside.substr(0, inside.find(" meta="));
          value.text.resize(comment);
        }
        while (!value.text.empty() && value.text.back() == ' ') value.text.pop_back();
      }
    }
  }
  return rows;
}

// One row of our jsonl with the collations of its columns (from the
// preceding table_map line; 0 when the binlog carried none).
struct DumpedRow {
  std::string kind;  // "INSERT", "UPDATE", "DELETE"
  std::string table;
  nlohmann::json before = nlohmann::json::array(), after = nlohmann::json::array();
  std::vector<uint16_t> collations;                 // per column of the table
  std::vector<bool> present_before, present_after;  // unknown: empty
  uint64_t pos = 0;
};

inline std::vector<DumpedRow> parse_dump_rows(const std::string& jsonl) {
  std::vector<DumpedRow> rows;
  std::map<uint64_t, std::vector<uint16_t>> collations;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json event = nlohmann::json::parse(line);
    const std::string type = event.at("type");
    if (type == "table_map") {
      std::vector<uint16_t> ids;
      for (const auto& column : event.at("columns")) ids.push_back(column.value("collation", uint16_t{0}));
      collations[event.at("table_id").get<uint64_t>()] = ids;
      continue;
    }
    std::string kind;
    if (type.find("write_rows") != std::string::npos)
      kind = "INSERT";
    else if (type.find("update_rows") != std::string::npos)
      kind = "UPDATE";
    else if (type.find("delete_rows") != std::string::npos)
      kind = "DELETE";
    else
      continue;
    for (const auto& change : event.at("rows")) {
      DumpedRow row;
      row.kind = kind;
      row.table = "`" + event.value("db", std::string()) + "`.`" + event.value("table", std::string()) + "`";
      if (change.contains("before")) row.before = change["before"];
      if (change.contains("after")) row.after = change["after"];
      row.collations = collations[event.at("table_id").get<uint64_t>()];
      row.pos = event.at("pos");
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

inline std::string unescape_oracle_string(const std::string& quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 3 < quoted.size() && quoted[i + 1] == 'x' && std::isxdigit(quoted[i + 2]) &&
        std::isxdigit(quoted[i + 3])) {
      out.push_back(static_cast<char>(std::stoi(quoted.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else if (quoted[i] == '\\' && i + 2 < quoted.size() &&
               (quoted[i + 1] == 'n' || quoted[i + 1] == 'r' || quoted[i + 1] == 't')) {
      // MySQL 9 prints these three controls as C escapes (MariaDB as \xNN).
      out.push_back(quoted[i + 1] == 'n' ? '\n' : quoted[i + 1] == 'r' ? '\r' : '\t');
      ++i;
    } else {
      out.push_back(quoted[i]);
    }
  }
  return out;
}

inline std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : in) {
    if (ch == '=') break;
    const size_t v = kAlphabet.find(ch);
    if (v == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

inline uint64_t parse_bits(const std::string& text) {  // b'0101'
  uint64_t v = 0;
  for (size_t i = 2; i + 1 < text.size(); ++i) v = (v << 1) | (text[i] == '1');
  return v;
}

// "2038-01-19 03:14:07.999" (UTC) to "2147483647.999"; "0000-00-00 ..." to "0".
inline std::string utc_to_epoch_text(const std::string& utc) {
  if (utc.rfind("0000-00-00 00:00:00", 0) == 0) {
    const size_t dot = utc.find('.');
    return dot == std::string::npos ? "0" : "0" + utc.substr(dot);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::sscanf(utc.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  // days_from_civil (H. Hinnant)
  y -= mo <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  std::string out = std::to_string(days * 86400 + h * 3600 + mi * 60 + s);
  const size_t dot = utc.find('.');
  if (dot != std::string::npos) out += utc.substr(dot);
  return out;
}

// Partial JSON: nested JSON_REPLACE(JSON_INSERT(@7, '$.a', 1), '$.b', 'x')
// flattened into ops in application order.
struct DiffOp {
  std::string op, path;
  std::optional<nlohmann::json> value;
};

class DiffParser {
 public:
  explicit DiffParser(const std::string& text) : s_(text) {}
  bool parse(std::vector<DiffOp>& ops) {
    try {
      expression(ops);
      return true;
    } catch (...) {
      return false;
    }
  }

 private:
  void skip() {
    while (i_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == '#')) ++i_;
  }
  bool eat(const std::string& token) {
    skip();
    if (s_.compare(i_, token.size(), token) != 0) return false;
    i_ += token.size();
    return true;
  }
  void expect(const std::string& token) {
    if (!eat(token)) throw std::runtime_error("expected " + token);
  }
  std::string quoted() {
    skip();
    if (s_[i_] != '\'') throw std::runtime_error("expected quote");
    size_t j = i_ + 1;
    std::string raw = "'";
    while (j < s_.size() && s_[j] != '\'') {
      if (s_[j] == '\\' && j + 1 < s_.size()) raw.push_back(s_[j++]);
      raw.push_back(s_[j++]);
    }
    raw.push_back('\'');
    i_ = j + 1;
    return unescape_oracle_string(raw);
  }
  nlohmann::json value() {
    skip();
    if (eat("CAST(")) {
      const std::string text = quoted();
      expect("AS JSON)");
      return nlohmann::json::parse(text);
    }
    if (s_[i_] == '\'') return nlohmann::json(quoted());
    size_t j = i_;
    while (j < s_.size() && s_[j] != ',' && s_[j] != ')') ++j;
    std::string token = s_.substr(i_, j - i_);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    i_ = j;
    return nlohmann::json::parse(token);
  }
  void expression(std::vector<DiffOp>& ops) {
    skip();
    std::string op;
    if (eat("JSON_REPLACE("))
      op = "replace";
    else if (eat("JSON_INSERT("))
      op = "insert";
    else if (eat("JSON_REMOVE("))
      op = "remove";
    else if (eat("@")) {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return;
    } else {
      throw std::runtime_error("unexpected");
    }
    expression(ops);
    while (eat(",")) {
      DiffOp d{op, quoted(), std::nullopt};
      if (op != "remove") {
        expect(",");
        d.value = value();
      }
      ops.push_back(d);
    }
    expect(")");
  }
  const std::string& s_;
  size_t i_ = 0;
};

inline bool parse_double(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end != text.c_str();
}

// Whether our jsonl value `mine` is the value the oracle printed. On a
// mismatch, *why says what differed.
inline bool values_match(const nlohmann::json& mine, const OracleValue& theirs, uint16_t collation,
                         Utf8Converter& converter, std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why)
      *why = "@" + std::to_string(theirs.column) + " (" + theirs.type + "): ours " + mine.dump() + ", oracle " +
             theirs.text + (reason.empty() ? "" : " — " + reason);
    return false;
  };
  const std::string& t = theirs.text;
  const std::string& type = theirs.type;
  if (t == "NULL") return mine.is_null() ? true : fail("");
  if (mine.is_null()) return fail("");

  if (type == "TINYINT" || type == "SHORTINT" || type == "MEDIUMINT" || type == "INT" || type == "LONGINT") {
    if (!mine.is_number_integer()) return fail("not an integer");
    const std::string ours = mine.dump();
    const std::string signed_text = t.substr(0, t.find(' '));
    std::string unsigned_text;
    if (const size_t open = t.find('('); open != std::string::npos)
      unsigned_text = t.substr(open + 1, t.find(')') - open - 1);
    return ours == signed_text || ours == unsigned_text ? true : fail("");
  }
  if (type.rfind("DECIMAL", 0) == 0) return mine.is_string() && mine.get<std::string>() == t ? true : fail("");
  if (type == "FLOAT") {
    double a = 0, b = 0;
    if (!mine.is_number() || !parse_double(t, b)) return fail("");
    a = mine.get<double>();
    return std::fabs(a - b) <= 1e-5 * std::max(std::fabs(a), std::fabs(b)) ? true : fail("");
  }
  if (type == "DOUBLE") {
    double b = 0;
    if (!mine.is_number() || !parse_double(t, b)) return fail("");
    return mine.get<double>() == b ? true : fail("");
  }
  if (type == "YEAR") {
    // The printer shows 1900 + the stored byte, so the zero year 0000 comes out as 1900.
    if (mine.is_number_integer() && mine.get<int64_t>() == 0 && t == "1900") return true;
    return mine.is_number_integer() && mine.dump() == t ? true : fail("");
  }
  if (type.rfind("ENUM", 0) == 0) return mine.is_number_integer() && mine.dump() == t ? true : fail("");
  if (type.rfind("SET", 0) == 0) {
    // SET is stored little-endian and printed byte by byte in storage order
    // (each byte most significant bit first): 0x01FF prints b'1111111100000001'.
    const std::string bits = t.size() >= 3 ? t.substr(2, t.size() - 3) : std::string();
    uint64_t v = 0;
    for (size_t byte = 0; byte * 8 < bits.size() && byte < 8; ++byte)
      for (size_t bit = 0; bit < 8 && byte * 8 + bit < bits.size(); ++bit)
        if (bits[byte * 8 + bit] == '1') v |= uint64_t{1} << (byte * 8 + 7 - bit);
    return mine.is_number_integer() && mine.get<uint64_t>() == v ? true : fail("");
  }
  if (type.rfind("BIT", 0) == 0)
    return mine.is_number_integer() && mine.get<uint64_t>() == parse_bits(t) ? true : fail("");
  if (type.rfind("TIMESTAMP", 0) == 0)
    return mine.is_string() && utc_to_epoch_text(mine.get<std::string>()) == t ? true : fail("as epoch");
  if (type == "DATE" || type == "NEWDATE") {
    std::string expected = t;
    for (char& ch : expected)
      if (ch == ':') ch = '-';
    return mine.is_string() && "'" + mine.get<std::string>() + "'" == expected ? true : fail("");
  }
  if (type.rfind("DATETIME", 0) == 0 || type.rfind("TIME", 0) == 0)
    return mine.is_string() && "'" + mine.get<std::string>() + "'" == t ? true : fail("");
  if (type.rfind("VECTOR", 0) == 0) {
    if (!mine.is_array()) return fail("not an array");
    std::vector<double> values;
    std::string inner = t.substr(1, t.size() - 2);
    std::istringstream items(inner);
    std::string item;
    while (std::getline(items, item, ',')) values.push_back(std::strtod(item.c_str(), nullptr));
    if (values.size() != mine.size()) return fail("length");
    for (size_t i = 0; i < values.size(); ++i) {
      const double a = mine[i].get<double>(), b = values[i];
      if (std::fabs(a - b) > 1e-5 * std::max(std::fabs(a), std::fabs(b))) return fail("element " + std::to_string(i));
    }
    return true;
  }
  if (type == "JSON") {
    if (t.rfind("JSON_", 0) == 0) {  // partial update
      std::vector<DiffOp> expected;
      if (!DiffParser(t).parse(expected)) return fail("cannot parse the oracle's JSON diff");
      if (!mine.is_array() || mine.size() != expected.size()) return fail("op count");
      for (size_t i = 0; i < expected.size(); ++i) {
        const auto& op = mine[i];
        if (op.value("op", "") != expected[i].op || op.value("path", "") != expected[i].path) return fail("op");
        if (expected[i].value && (!op.contains("value") || op["value"] != *expected[i].value)) return fail("op value");
      }
      return true;
    }
    const std::string text = unescape_oracle_string(t);
    // A top-level JSON string is printed without its JSON quotes.
    if (!nlohmann::json::accept(text))
      return mine.is_string() && mine.get<std::string>() == text ? true : fail("oracle JSON does not parse");
    return mine == nlohmann::json::parse(text) ? true : fail("");
  }
  // Strings, BLOB/TEXT, GEOMETRY and anything else printed quoted.
  if (t.size() < 2 || t.front() != '\'' || t.back() != '\'') return fail("unexpected oracle format");
  const std::string bytes = unescape_oracle_string(t);
  if (mine.is_object() && mine.contains("base64"))
    return base64_decode(mine["base64"].get<std::string>()) == bytes ? true : fail("bytes differ");
  if (!mine.is_string()) return fail("not a string");
  if (type == "GEOMETRY") return fail("geometry should be base64");
  std::string utf8;
  if (!converter.append_utf8(bytes, collation, utf8))
    return fail("oracle bytes not valid in collation " + std::to_string(collation));
  return utf8 == mine.get<std::string>() ? true : fail("text differs");
}

// Compares every row value; returns a list of mismatch descriptions (empty
// when everything matches). `limit` caps the list.
inline std::vector<std::string> compare_rows(const std::vector<DumpedRow>& ours, const std::vector<OracleRow>& theirs,
                                             size_t limit = 50) {
  std::vector<std::string> problems;
  Utf8Converter converter;
  if (ours.size() != theirs.size())
    problems.push_back("row count: ours " + std::to_string(ours.size()) + ", oracle " + std::to_string(theirs.size()));
  const size_t n = std::min(ours.size(), theirs.size());
  for (size_t r = 0; r < n && problems.size() < limit; ++r) {
    const DumpedRow& a = ours[r];
    const OracleRow& b = theirs[r];
    const std::string where =
        "row " + std::to_string(r) + " (" + a.kind + " " + a.table + " at " + std::to_string(a.pos) + ")";
    if (a.kind != b.kind || a.table != b.table) {
      problems.push_back(where + ": oracle has " + b.kind + " " + b.table);
      continue;
    }
    const std::pair<const nlohmann::json*, const std::vector<OracleValue>*> images[] = {{&a.before, &b.before},
                                                                                        {&a.after, &b.after}};
    for (const auto& [mine, oracle] : images) {
      if (mine->size() != oracle->size()) {
        problems.push_back(where + ": " + std::to_string(mine->size()) + " values, oracle " +
                           std::to_string(oracle->size()));
        continue;
      }
      for (size_t i = 0; i < oracle->size(); ++i) {
        const OracleValue& value = (*oracle)[i];
        const size_t column = static_cast<size_t>(value.column - 1);
        const uint16_t collation = column < a.collations.size() ? a.collations[column] : 0;
        std::string why;
        if (!values_match((*mine)[i], value, collation, converter, &why)) problems.push_back(where + ": " + why);
      }
    }
  }
  return problems;
}

}  // namespace galaxis::binlog::oracle
