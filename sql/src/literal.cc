#include "galaxis/sql/literal.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

void append_digits(std::string* out, uint64_t value, int width) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  for (int pad = width - static_cast<int>(result.ptr - buffer); pad > 0; --pad) out->push_back('0');
  out->append(buffer, result.ptr);
}

// ".fff" with `precision` digits of the microseconds; all six digits when
// the value carries more precision than the column claims (never lose data).
void append_fraction(std::string* out, uint32_t micros, unsigned precision) {
  if (precision > 6) precision = 6;
  static constexpr uint32_t kScale[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
  if (micros % kScale[precision] != 0) precision = 6;
  if (precision == 0) return;
  out->push_back('.');
  append_digits(out, micros / kScale[precision], static_cast<int>(precision));
}

void append_date(std::string* out, unsigned year, unsigned month, unsigned day) {
  append_digits(out, year, 4);
  out->push_back('-');
  append_digits(out, month, 2);
  out->push_back('-');
  append_digits(out, day, 2);
}

void append_clock(std::string* out, uint64_t hours, unsigned minutes, unsigned seconds) {
  append_digits(out, hours, 2);
  out->push_back(':');
  append_digits(out, minutes, 2);
  out->push_back(':');
  append_digits(out, seconds, 2);
}

void append_double(std::string* out, double value) {
  if (!std::isfinite(value)) {
    throw_error(Error::Kind::kUnsupported, "floating-point value {} cannot be stored in a MySQL column", value);
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  out->append(buffer, result.ptr);
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2 ? 1 : 0);
}

void append_bytes_literal(std::string* out, std::string_view charset, std::string_view bytes) {
  out->push_back('_');
  out->append(charset);
  append_quoted(out, bytes);
}

// The declared length of a BINARY(n) column from its COLUMN_TYPE, else 0.
size_t binary_column_length(const ColumnSchema& column) {
  if (column.data_type != "binary") return 0;
  const size_t open = column.column_type.find('(');
  if (open == std::string::npos) return 1;  // BINARY means BINARY(1)
  size_t n = 0;
  for (size_t i = open + 1;
       i < column.column_type.size() && column.column_type[i] >= '0' && column.column_type[i] <= '9'; ++i)
    n = n * 10 + static_cast<size_t>(column.column_type[i] - '0');
  return n;
}

// MariaDB's fixed-size binary types (UUID 16 bytes, INET6 16, INET4 4) and
// BINARY(n) travel in the binlog with their trailing 0x00 bytes stripped
// (MariaDB packs them like BINARY), and the server takes a _binary string
// only at its full size — a shorter one is an invalid value (NULL, or an
// error in strict mode). UUID's binlog bytes are its in-memory (text) order,
// not the swapped in-record order, so the canonical text is written.
// Returns true when it wrote the literal.
bool append_fixed_binary(std::string* out, const std::string& bytes, const ColumnSchema& column) {
  size_t size = 0;
  if (column.data_type == "uuid" || column.data_type == "inet6") {
    size = 16;
  } else if (column.data_type == "inet4") {
    size = 4;
  } else {
    size = binary_column_length(column);
  }
  if (size == 0 || bytes.size() > size) return false;  // longer: let the server judge it
  if (bytes.size() == size && column.data_type != "uuid") return false;
  std::string padded = bytes;
  if (padded.size() < size) padded.resize(size, '\0');
  if (column.data_type == "uuid" && padded.size() == 16) {
    static constexpr char kHex[] = "0123456789abcdef";
    out->push_back('\'');
    for (size_t i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out->push_back('-');
      const auto b = static_cast<unsigned char>(padded[i]);
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 15]);
    }
    out->push_back('\'');
    return true;
  }
  append_bytes_literal(out, "binary", padded);
  return true;
}

// UCS-2 (big-endian code units) as UTF-8; false for a surrogate code unit
// or an odd length (not valid as utf8mb4 text).
bool ucs2_to_utf8(std::string_view ucs2, std::string* utf8) {
  if (ucs2.size() % 2 != 0) return false;
  utf8->reserve(ucs2.size() * 3 / 2);
  for (size_t i = 0; i < ucs2.size(); i += 2) {
    const unsigned unit = (static_cast<unsigned char>(ucs2[i]) << 8) | static_cast<unsigned char>(ucs2[i + 1]);
    if (unit >= 0xD800 && unit <= 0xDFFF) return false;
    if (unit < 0x80) {
      utf8->push_back(static_cast<char>(unit));
    } else if (unit < 0x800) {
      utf8->push_back(static_cast<char>(0xC0 | (unit >> 6)));
      utf8->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
    } else {
      utf8->push_back(static_cast<char>(0xE0 | (unit >> 12)));
      utf8->push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
      utf8->push_back(static_cast<char>(0x80 | (unit & 0x3F)));
    }
  }
  return true;
}

}  // namespace

std::string_view append_text_literal(std::string* out, std::string_view charset, std::string_view bytes) {
  if (charset == "utf8mb3" || charset == "utf8") {
    append_bytes_literal(out, "utf8mb4", bytes);
    return "utf8mb4";
  }
  if (charset == "ucs2") {
    std::string utf8;
    if (ucs2_to_utf8(bytes, &utf8)) {
      append_bytes_literal(out, "utf8mb4", utf8);
      return "utf8mb4";
    }
  }
  append_bytes_literal(out, charset, bytes);
  return charset;
}

std::string quoted(std::string_view bytes) {
  std::string out;
  append_quoted(&out, bytes);
  return out;
}

void append_quoted(std::string* out, std::string_view bytes) {
  out->reserve(out->size() + bytes.size() + 2);
  out->push_back('\'');
  for (char c : bytes) {
    switch (c) {
      case '\0': out->append("\\0"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\\': out->append("\\\\"); break;
      case '\'': out->append("\\'"); break;
      case '"': out->append("\\\""); break;
      case '\x1a': out->append("\\Z"); break;
      default: out->push_back(c);
    }
  }
  out->push_back('\'');
}

std::string format_utc_timestamp(uint32_t seconds, uint32_t micros, unsigned precision) {
  std::string out;
  int64_t days = seconds / 86400;
  uint32_t rest = seconds % 86400;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, &year, &month, &day);
  append_date(&out, static_cast<unsigned>(year), month, day);
  out.push_back(' ');
  append_clock(&out, rest / 3600, (rest / 60) % 60, rest % 60);
  append_fraction(&out, micros, precision);
  return out;
}

std::string json_diff_expression(const binlog::JsonDiff& diff, const std::string& current) {
  std::string expr = current;
  for (const binlog::JsonDiffOp& op : diff.ops) {
    std::string path;
    append_bytes_literal(&path, "utf8mb4", op.path);
    std::string value;
    if (op.kind != binlog::JsonDiffOp::Kind::kRemove && !op.value_sql.empty()) {
      value = op.value_sql;  // the text would lose a DECIMAL/DATE/TIME/unsigned type
    } else if (op.kind != binlog::JsonDiffOp::Kind::kRemove) {
      value = "CAST(";
      append_bytes_literal(&value, "utf8mb4", op.value_json);
      value += " AS JSON)";
    }
    switch (op.kind) {
      case binlog::JsonDiffOp::Kind::kReplace: expr = "JSON_REPLACE(" + expr + "," + path + "," + value + ")"; break;
      case binlog::JsonDiffOp::Kind::kInsert:
        // An insert at an array index shifts later elements (MySQL's diff
        // semantics); a new object member is a plain insert.
        if (!op.path.empty() && op.path.back() == ']') {
          expr = "JSON_ARRAY_INSERT(" + expr + "," + path + "," + value + ")";
        } else {
          expr = "JSON_INSERT(" + expr + "," + path + "," + value + ")";
        }
        break;
      case binlog::JsonDiffOp::Kind::kRemove: expr = "JSON_REMOVE(" + expr + "," + path + ")"; break;
    }
  }
  return expr;
}

void append_literal(std::string* out, const binlog::Value& value, const ColumnSchema& column) {
  using namespace binlog;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          out->append("NULL");
        } else if constexpr (std::is_same_v<T, int64_t>) {
          unsigned bits = column.integer_bits();
          if (v < 0 && column.is_unsigned && bits > 0) {
            uint64_t u = static_cast<uint64_t>(v);
            if (bits < 64) u &= (uint64_t{1} << bits) - 1;
            append_digits(out, u, 0);
          } else {
            char buffer[24];
            auto result = std::to_chars(buffer, buffer + sizeof(buffer), v);
            out->append(buffer, result.ptr);
          }
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          append_digits(out, v, 0);
        } else if constexpr (std::is_same_v<T, float>) {
          append_double(out, static_cast<double>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, v);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          bool ok = !v.text.empty();
          for (size_t i = 0; i < v.text.size() && ok; ++i) {
            char c = v.text[i];
            ok = (c >= '0' && c <= '9') || c == '.' || (c == '-' && i == 0);
          }
          if (!ok)
            throw_error(Error::Kind::kCorrupt, "malformed DECIMAL text '{}' for column `{}`", v.text, column.name);
          out->append(v.text);
        } else if constexpr (std::is_same_v<T, Year>) {
          append_digits(out, v.value, 0);
        } else if constexpr (std::is_same_v<T, Date>) {
          out->push_back('\'');
          append_date(out, v.year, v.month, v.day);
          out->push_back('\'');
        } else if constexpr (std::is_same_v<T, Time>) {
          out->push_back('\'');
          if (v.negative) out->push_back('-');
          append_clock(out, v.hours, v.minutes, v.seconds);
          append_fraction(out, v.micros, v.precision);
          out->push_back('\'');
        } else if constexpr (std::is_same_v<T, DateTime>) {
          out->push_back('\'');
          append_date(out, v.year, v.month, v.day);
          out->push_back(' ');
          append_clock(out, v.hour, v.minute, v.second);
          append_fraction(out, v.micros, v.precision);
          out->push_back('\'');
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          out->push_back('\'');
          if (v.seconds == 0 && v.micros == 0) {
            out->append("0000-00-00 00:00:00");
            append_fraction(out, 0, v.precision);
          } else {
            out->append(format_utc_timestamp(v.seconds, v.micros, v.precision));
          }
          out->push_back('\'');
        } else if constexpr (std::is_same_v<T, Text>) {
          if (!column.is_character() && append_fixed_binary(out, v.bytes, column)) return;
          if (column.is_character()) {
            append_text_literal(out, column.charset, v.bytes);
          } else {
            append_bytes_literal(out, "binary", v.bytes);
          }
        } else if constexpr (std::is_same_v<T, Enum>) {
          append_digits(out, v.index, 0);
        } else if constexpr (std::is_same_v<T, Set>) {
          // A SET compares as a signed integer: a mask with bit 63 (64th
          // member) matches only its negative reading, which INSERT takes too.
          if (v.bits > static_cast<uint64_t>(INT64_MAX)) {
            char buffer[24];
            auto result = std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int64_t>(v.bits));
            out->append(buffer, result.ptr);
          } else {
            append_digits(out, v.bits, 0);
          }
        } else if constexpr (std::is_same_v<T, Bit>) {
          append_digits(out, v.bits, 0);
        } else if constexpr (std::is_same_v<T, Json>) {
          if (!v.sql.empty()) {  // the text would lose a DECIMAL/DATE/TIME/unsigned type
            out->append(v.sql);
            return;
          }
          out->append("CAST(");
          append_bytes_literal(out, "utf8mb4", v.text);
          out->append(" AS JSON)");
        } else if constexpr (std::is_same_v<T, JsonDiff>) {
          throw_error(Error::Kind::kUnsupported,
                      "a partial JSON update of column `{}` can only be applied as an UPDATE", column.name);
        } else if constexpr (std::is_same_v<T, Geometry>) {
          append_bytes_literal(out, "binary", v.bytes);
        } else if constexpr (std::is_same_v<T, Vector>) {
          std::string bytes;
          bytes.reserve(v.values.size() * 4);
          for (float f : v.values) {
            uint32_t bits = 0;
            std::memcpy(&bits, &f, 4);
            for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
          }
          append_bytes_literal(out, "binary", bytes);
        }
      },
      value);
}

std::string literal(const binlog::Value& value, const ColumnSchema& column) {
  std::string out;
  append_literal(&out, value, column);
  return out;
}

}  // namespace galaxis::sql
