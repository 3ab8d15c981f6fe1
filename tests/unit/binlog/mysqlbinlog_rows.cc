#include "mysqlbinlog_rows.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/file_reader.h"
#include "galaxis/binlog/payload.h"

namespace galaxis::binlog::rowtest {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// One canonical quoting for byte strings on both sides: bytes < 0x20, '\'
// and '\\' as \xNN, everything else raw.
std::string quote_bytes(std::string_view bytes) {
  std::string out = "'";
  for (unsigned char c : bytes) {
    if (c < 0x20 || c == '\'' || c == '\\')
      out += fmt::format("\\x{:02x}", c);
    else
      out.push_back(static_cast<char>(c));
  }
  out.push_back('\'');
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Unescapes a mysqlbinlog quoted string body (without the quotes). Oracle's
// mysqlbinlog 9.x writes \n, \t ... and \xNN; mariadb-binlog only \xNN for
// control bytes and leaves quotes and backslashes raw.
bool g_mariadb_quoting = false;

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char n = s[++i];
    if (g_mariadb_quoting && n != 'x') {
      out.push_back('\\');
      out.push_back(n);
      continue;
    }
    switch (n) {
      case 'x':
        if (i + 2 < s.size() + 0 && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
          out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
          i += 2;
        } else {
          out += "\\x";
        }
        break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back('\0'); break;
      case 'b': out.push_back('\b'); break;
      case 'Z': out.push_back('\x1a'); break;
      default: out.push_back(n);
    }
  }
  return out;
}

std::string strip_spaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\t') out.push_back(c);
  return out;
}

std::string canonical_oracle_value(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  if (starts_with(v, "JSON_")) {
    // continuation lines carry their own "###" prefix
    std::string joined;
    std::istringstream lines(v);
    std::string line;
    while (std::getline(lines, line)) {
      if (starts_with(line, "###")) line = line.substr(3);
      joined += line;
    }
    return strip_spaces(joined);
  }
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'' && !starts_with(v, "b'"))
    return quote_bytes(unescape(std::string_view(v).substr(1, v.size() - 2)));
  return v;
}

std::string fraction(uint32_t micros, unsigned precision) {
  if (!precision) return "";
  unsigned div = 1;
  for (unsigned i = precision; i < 6; ++i) div *= 10;
  return fmt::format(".{:0{}}", micros / div, precision);
}

std::string bits_text(uint64_t bits, unsigned width) {
  std::string out = "b'";
  for (unsigned i = width; i-- > 0;) out.push_back((bits >> i) & 1 ? '1' : '0');
  out.push_back('\'');
  return out;
}

std::string diff_value_sql(const std::string& json) {
  if (json.empty()) return "";
  if (json.front() == '"') return quote_bytes(nlohmann::json::parse(json).get<std::string>());
  if (json.front() == '{' || json.front() == '[') return "CAST(" + quote_bytes(json) + "ASJSON)";
  return json;
}

}  // namespace

std::string mysqlbinlog_value(const Value& v, const ColumnInfo& c, int column_number) {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Null>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          const unsigned w = c.width_bits() ? c.width_bits() : 64;
          uint64_t u = static_cast<uint64_t>(x);
          if (w < 64) u &= (uint64_t{1} << w) - 1;
          const unsigned shift = 64 - w;
          const int64_t s = static_cast<int64_t>(u << shift) >> shift;
          return s < 0 ? fmt::format("{} ({})", s, u) : fmt::format("{}", s);
        } else if constexpr (std::is_same_v<T, float>) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%g", static_cast<double>(x));
          return buf;
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.20g", x);
          return buf;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return x.text;
        } else if constexpr (std::is_same_v<T, Year>) {
          // both tools print 1900 + stored byte, so the zero year reads 1900
          return fmt::format("{}", x.value ? x.value : 1900);
        } else if constexpr (std::is_same_v<T, Date>) {
          return fmt::format("'{:04}:{:02}:{:02}'", x.year, x.month, x.day);
        } else if constexpr (std::is_same_v<T, Time>) {
          return fmt::format("'{}{:02}:{:02}:{:02}{}'", x.negative ? "-" : "", x.hours, x.minutes, x.seconds,
                             fraction(x.micros, x.precision));
        } else if constexpr (std::is_same_v<T, DateTime>) {
          return fmt::format("'{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}'", x.year, x.month, x.day, x.hour, x.minute,
                             x.second, fraction(x.micros, x.precision));
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return fmt::format("{}{}", x.seconds, fraction(x.micros, x.precision));
        } else if constexpr (std::is_same_v<T, Text>) {
          return quote_bytes(x.bytes);
        } else if constexpr (std::is_same_v<T, Enum>) {
          return fmt::format("{}", x.index);
        } else if constexpr (std::is_same_v<T, Set>) {
          // mysqlbinlog prints the SET bytes in storage (little-endian) order
          std::string out = "b'";
          for (unsigned byte = 0; byte < (c.meta & 0xffu); ++byte)
            out += bits_text((x.bits >> (8 * byte)) & 0xff, 8).substr(2, 8);
          return out + "'";
        } else if constexpr (std::is_same_v<T, Bit>) {
          return bits_text(x.bits, x.width);
        } else if constexpr (std::is_same_v<T, Json>) {
          return quote_bytes(x.text);
        } else if constexpr (std::is_same_v<T, JsonDiff>) {
          std::string expr = fmt::format("@{}", column_number);
          for (const auto& op : x.ops) {
            const char* fn = op.kind == JsonDiffOp::Kind::kReplace  ? "JSON_REPLACE"
                             : op.kind == JsonDiffOp::Kind::kInsert ? "JSON_INSERT"
                                                                    : "JSON_REMOVE";
            expr = fmt::format("{}({},{}", fn, expr, quote_bytes(op.path));
            if (op.kind != JsonDiffOp::Kind::kRemove) expr += "," + diff_value_sql(op.value_json);
            expr += ")";
          }
          return strip_spaces(expr);
        } else if constexpr (std::is_same_v<T, Geometry>) {
          return quote_bytes(x.bytes);
        } else if constexpr (std::is_same_v<T, Vector>) {
          std::string out = "[";
          for (size_t i = 0; i < x.values.size(); ++i) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.5e", static_cast<double>(x.values[i]));
            if (i) out.push_back(',');
            out += buf;
          }
          return out + "]";
        } else {
          return "?";
        }
      },
      v);
}

std::vector<TextRow> parse_mysqlbinlog_rows(const std::string& text, bool mariadb_quoting) {
  g_mariadb_quoting = mariadb_quoting;
  std::vector<TextRow> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<std::pair<int, std::string>>* image = nullptr;
  std::string* last = nullptr;
  auto finish_last = [&] {
    if (!last) return;
    std::string& v = *last;
    if (ends_with(v, "*/")) {
      const size_t c = v.rfind(" /* ");
      if (c != std::string::npos) v.resize(c);
    }
    v = canonical_oracle_value(v);
    last = nullptr;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!starts_with(line, "###")) {
      finish_last();
      image = nullptr;
      continue;
    }
    std::string_view body = std::string_view(line).substr(3);
    if (starts_with(body, " INSERT INTO ") || starts_with(body, " UPDATE ") || starts_with(body, " DELETE FROM ")) {
      finish_last();
      TextRow r;
      r.kind = starts_with(body, " INSERT") ? "INSERT" : starts_with(body, " UPDATE") ? "UPDATE" : "DELETE";
      r.table = std::string(body.substr(body.find('`')));
      rows.push_back(std::move(r));
      image = nullptr;
    } else if (body == " SET") {
      finish_last();
      if (!rows.empty()) image = &rows.back().after;
    } else if (body == " WHERE") {
      finish_last();
      if (!rows.empty()) image = &rows.back().before;
    } else if (starts_with(body, "   @") && image) {
      finish_last();
      const size_t eq = body.find('=');
      const int n = std::atoi(std::string(body.substr(4, eq - 4)).c_str());
      image->emplace_back(n, std::string(body.substr(eq + 1)));
      last = &image->back().second;
    } else if (last) {
      *last += "\n" + line;  // continuation of a multi-line value
    }
  }
  finish_last();
  return rows;
}

namespace {

void append_rows(const Event& e, std::vector<TextRow>& out) {
  const auto* rows = e.as<RowsEvent>();
  if (!rows) return;
  const TableMap& t = *rows->table;
  for (const auto& change : rows->rows) {
    TextRow r;
    r.kind = rows->kind == RowsKind::kWrite ? "INSERT" : rows->kind == RowsKind::kDelete ? "DELETE" : "UPDATE";
    r.table = fmt::format("`{}`.`{}`", t.database, t.table);
    auto fill = [&](const RowImage& image, const std::vector<bool>& present,
                    std::vector<std::pair<int, std::string>>& dst) {
      size_t k = 0;
      for (size_t i = 0; i < present.size(); ++i) {
        if (!present[i]) continue;
        dst.emplace_back(static_cast<int>(i + 1),
                         mysqlbinlog_value(image.at(k++), t.columns[i], static_cast<int>(i + 1)));
      }
    };
    if (rows->kind != RowsKind::kWrite) fill(change.before, rows->columns_before, r.before);
    if (rows->kind != RowsKind::kDelete) fill(change.after, rows->columns_after, r.after);
    out.push_back(std::move(r));
  }
}

}  // namespace

std::vector<TextRow> decode_rows_as_text(const std::string& binlog_path) {
  std::vector<TextRow> out;
  BinlogFileReader reader(binlog_path);
  Decoder decoder(DecoderOptions{.verify_checksums = true, .decode_rows = true, .source_name = binlog_path});
  while (auto raw = reader.next()) {
    Event e = decoder.decode(raw->bytes, raw->offset);
    if (const auto* payload = e.as<TransactionPayloadEvent>()) {
      TransactionPayloadReader inner(*payload, raw->offset);
      while (auto bytes = inner.next()) append_rows(decoder.decode_inner(*bytes, raw->offset), out);
    } else {
      append_rows(e, out);
    }
  }
  return out;
}

std::string compare_rows(const std::vector<TextRow>& expected, const std::vector<TextRow>& actual, size_t max_diffs) {
  std::string diffs;
  size_t n = 0;
  auto note = [&](const std::string& s) {
    if (n++ < max_diffs) diffs += s + "\n";
  };
  if (expected.size() != actual.size())
    note(fmt::format("row count: expected {}, decoded {}", expected.size(), actual.size()));
  for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
    const auto& e = expected[i];
    const auto& a = actual[i];
    if (e.kind != a.kind || e.table != a.table)
      note(fmt::format("row {}: expected {} {}, decoded {} {}", i, e.kind, e.table, a.kind, a.table));
    auto cmp = [&](const char* which, const auto& ev, const auto& av) {
      if (ev.size() != av.size())
        note(fmt::format("row {} {}: expected {} values, decoded {}", i, which, ev.size(), av.size()));
      for (size_t k = 0; k < std::min(ev.size(), av.size()); ++k)
        if (ev[k] != av[k])
          note(fmt::format("row {} {} ({} {}): expected @{}={} decoded @{}={}", i, which, e.kind, e.table, ev[k].first,
                           ev[k].second.substr(0, 300), av[k].first, av[k].second.substr(0, 300)));
    };
    cmp("before", e.before, a.before);
    cmp("after", e.after, a.after);
  }
  if (n > max_diffs) diffs += fmt::format("... {} differences in all\n", n);
  return diffs;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string rows_corpus_dir() {
  if (const char* env = std::getenv("GALAXIS_CORPUS_DIR"); env && *env) return env;
  return std::string(GALAXIS_SOURCE_DIR) + "/tests/data/binlog";
}

}  // namespace galaxis::binlog::rowtest
