// MySQL binary JSON (sql-common/json_binary) to the compact text MySQL
// itself prints for a JSON value: `{"a": 1, "b": [true, null]}` — keys in
// stored order, ", " and ": " separators, doubles as MySQL's my_gcvt prints
// them (shortest round trip, ".0" added to integral values), DATE/TIME/
// DATETIME opaque values as quoted strings with 6 fractional digits, DECIMAL
// opaque values as numbers and other opaque values as "base64:typeN:...".
//
// The same walk renders, for documents whose text would lose a type (see
// Json::sql), an SQL expression that builds the document exactly:
// JSON_OBJECT/JSON_ARRAY for containers, CAST(... AS SIGNED/UNSIGNED/
// DECIMAL(p,s)/DATE/TIME(6)/DATETIME(6)) and exponent-form DOUBLE literals
// for scalars, _utf8mb4'...' (backslash-escaped) strings. Other opaque values
// (rare: BLOB, BIT, GEOMETRY inside JSON) stay their "base64:..." string.
//
// Every offset and length is checked against the enclosing container before
// use, and nesting is limited, so hostile input cannot read out of bounds or
// exhaust the stack.
#include <charconv>
#include <cstring>

#include "row_decoding.h"
#include "values_internal.h"

namespace galaxis::binlog::detail {
namespace {

enum : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

constexpr int kMaxDepth = 150;  // MySQL itself refuses documents deeper than 100

class JsonPrinter {
 public:
  JsonPrinter(std::span<const uint8_t> doc, uint64_t base_offset, std::string& out, bool sql = false)
      : doc_(doc), base_(base_offset), out_(out), max_output_(out.size() + 64 * doc.size() + 4096), sql_(sql) {}

  void document() {
    if (doc_.empty()) {
      out_ += sql_ ? "CAST('null' AS JSON)" : "null";
      return;
    }
    const bool scalar = doc_[0] > kLargeArray;
    // A scalar as an SQL value is not JSON yet; JSON_ARRAY keeps its type.
    if (sql_ && scalar) out_ += "JSON_EXTRACT(JSON_ARRAY(";
    value(doc_[0], 1, doc_.size(), 0);
    if (sql_ && scalar) out_ += "),'$[0]')";
  }
  // The text lost a type the binary document has.
  bool lossy() const { return lossy_; }

 private:
  [[noreturn]] void fail(std::string_view what, size_t pos) const {
    throw_error(Error::Kind::kCorrupt, "invalid binary JSON: {} at offset {}", what, base_ + pos);
  }
  void need(size_t pos, size_t n, size_t end, std::string_view what) const {
    if (pos > end || n > end - pos) fail(what, pos);
  }
  uint64_t le(size_t pos, size_t n) const {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(doc_[pos + i]) << (8 * i);
    return v;
  }

  // A value of `type` whose data starts at `pos`; `end` bounds it.
  void value(uint8_t type, size_t pos, size_t end, int depth) {
    switch (type) {
      case kSmallObject: container(pos, end, false, true, depth); return;
      case kLargeObject: container(pos, end, true, true, depth); return;
      case kSmallArray: container(pos, end, false, false, depth); return;
      case kLargeArray: container(pos, end, true, false, depth); return;
      case kLiteral:
        need(pos, 1, end, "literal");
        literal(doc_[pos], pos);
        return;
      case kInt16:
        need(pos, 2, end, "int16");
        append_int(static_cast<int16_t>(le(pos, 2)));
        return;
      case kUint16:
        need(pos, 2, end, "uint16");
        append_unsigned(le(pos, 2));
        return;
      case kInt32:
        need(pos, 4, end, "int32");
        append_int(static_cast<int32_t>(le(pos, 4)));
        return;
      case kUint32:
        need(pos, 4, end, "uint32");
        append_unsigned(le(pos, 4));
        return;
      case kInt64:
        need(pos, 8, end, "int64");
        append_int(static_cast<int64_t>(le(pos, 8)));
        return;
      case kUint64:
        need(pos, 8, end, "uint64");
        append_unsigned(le(pos, 8));
        return;
      case kDouble: {
        need(pos, 8, end, "double");
        double d;
        const uint64_t bits = le(pos, 8);
        std::memcpy(&d, &bits, 8);
        if (sql_) {
          char buf[40];
          const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
          out_.append(buf, r.ptr);  // an approximate-value (DOUBLE) literal
        } else {
          append_json_double(out_, d);
        }
        return;
      }
      case kString: {
        size_t len = 0;
        const size_t data = varlen(pos, end, &len);
        need(data, len, end, "string");
        append_quoted(reinterpret_cast<const char*>(doc_.data() + data), len);
        return;
      }
      case kOpaque: opaque(pos, end); return;
      default: fail(fmt::format("unknown value type 0x{:02x}", type), pos > 0 ? pos - 1 : 0);
    }
  }

  void literal(uint8_t v, size_t pos) {
    const char* name = v == 0 ? "null" : v == 1 ? "true" : v == 2 ? "false" : nullptr;
    if (!name) fail(fmt::format("unknown literal 0x{:02x}", v), pos);
    if (sql_) {
      out_ += "CAST('";
      out_ += name;
      out_ += "' AS JSON)";
    } else {
      out_ += name;
    }
  }

  // 7 bits per byte, least significant first, at most 5 bytes (uint32).
  size_t varlen(size_t pos, size_t end, size_t* len) const {
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) {
      need(pos, 1, end, "string length");
      const uint8_t b = doc_[pos++];
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        if (v > 0xffffffffu) break;
        *len = static_cast<size_t>(v);
        return pos;
      }
    }
    fail("string length", pos);
  }

  static bool inlined(uint8_t type, bool large) {
    switch (type) {
      case kLiteral:
      case kInt16:
      case kUint16: return true;
      case kInt32:
      case kUint32: return large;
      default: return false;
    }
  }

  void container(size_t start, size_t end, bool large, bool object, int depth) {
    if (depth >= kMaxDepth) fail("nesting too deep", start);
    const size_t osize = large ? 4 : 2;
    need(start, 2 * osize, end, object ? "object header" : "array header");
    const uint64_t count = le(start, osize);
    const uint64_t size = le(start + osize, osize);
    if (size > end - start) fail(object ? "object size" : "array size", start);
    const size_t cend = start + size;
    const size_t key_entry = osize + 2, value_entry = 1 + osize;
    const uint64_t header = 2 * osize + count * ((object ? key_entry : 0) + value_entry);
    if (header > size) fail(object ? "object element count" : "array element count", start);

    out_ += sql_ ? (object ? "JSON_OBJECT(" : "JSON_ARRAY(") : (object ? "{" : "[");
    const size_t values_at = start + 2 * osize + (object ? count * key_entry : 0);
    for (uint64_t i = 0; i < count; ++i) {
      // Values may share offsets in hostile input; without a budget a few
      // hundred bytes could expand exponentially.
      if (out_.size() > max_output_) fail("document expands far beyond its size (shared values?)", start);
      if (i) out_ += sql_ ? "," : ", ";
      if (object) {
        const size_t k = start + 2 * osize + i * key_entry;
        const uint64_t key_off = le(k, osize);
        const uint64_t key_len = le(k + osize, 2);
        if (key_off > size || key_len > size - key_off) fail("key offset", k);
        append_quoted(reinterpret_cast<const char*>(doc_.data() + start + key_off), key_len);
        out_ += sql_ ? "," : ": ";
      }
      const size_t e = values_at + i * value_entry;
      const uint8_t type = doc_[e];
      if (inlined(type, large)) {
        value(type, e + 1, e + 1 + osize, depth + 1);
      } else {
        const uint64_t off = le(e + 1, osize);
        if (off >= size) fail("value offset", e + 1);
        value(type, start + off, cend, depth + 1);
      }
    }
    out_.push_back(sql_ ? ')' : object ? '}' : ']');
  }

  void opaque(size_t pos, size_t end) {
    need(pos, 1, end, "opaque type");
    const uint8_t field_type = doc_[pos];
    size_t len = 0;
    const size_t data = varlen(pos + 1, end, &len);
    need(data, len, end, "opaque value");
    const auto bytes = doc_.subspan(data, len);
    switch (static_cast<ColumnType>(field_type)) {
      case ColumnType::kNewDecimal: {
        if (len < 2) fail("opaque DECIMAL", data);
        const unsigned precision = bytes[0], scale = bytes[1];
        const size_t size = decimal_binary_size(precision, scale, base_ + data);
        if (size > len - 2) fail("opaque DECIMAL length", data);
        lossy_ = true;
        if (sql_) out_ += "CAST(";
        append_decimal_text(out_, bytes.subspan(2, size), precision, scale, base_ + data + 2);
        if (sql_) out_ += fmt::format(" AS DECIMAL({},{}))", precision, scale);
        return;
      }
      case ColumnType::kDate:
      case ColumnType::kDateTime:
      case ColumnType::kTimestamp:
      case ColumnType::kTime: {
        if (len < 8) fail("opaque temporal length", data);
        lossy_ = true;
        const int64_t packed = static_cast<int64_t>(le(data, 8));
        char buf[64];
        int n;
        if (static_cast<ColumnType>(field_type) == ColumnType::kTime) {
          const Time t = time_from_packed(packed);
          n = std::snprintf(buf, sizeof buf, "\"%s%02u:%02u:%02u.%06u\"", t.negative ? "-" : "", t.hours, t.minutes,
                            t.seconds, t.micros % 1000000);
        } else {
          const DateTime d = datetime_from_packed(packed);
          if (static_cast<ColumnType>(field_type) == ColumnType::kDate)
            n = std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u\"", d.year, d.month, d.day);
          else
            n = std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u %02u:%02u:%02u.%06u\"", d.year, d.month, d.day, d.hour,
                              d.minute, d.second, d.micros % 1000000);
        }
        if (sql_) {
          // The quoted text without its JSON quotes, cast back to its type.
          const auto type = static_cast<ColumnType>(field_type);
          out_ += "CAST('";
          out_.append(buf + 1, static_cast<size_t>(n) - 2);
          out_ += type == ColumnType::kDate   ? "' AS DATE)"
                  : type == ColumnType::kTime ? "' AS TIME(6))"
                                              : "' AS DATETIME(6))";
        } else {
          out_.append(buf, static_cast<size_t>(n));
        }
        return;
      }
      default: {
        if (sql_) {
          std::string text = "base64:type";
          text += std::to_string(field_type);
          text.push_back(':');
          std::swap(text, out_);
          append_base64(bytes);
          std::swap(text, out_);
          append_sql_string(text);
          return;
        }
        out_ += "\"base64:type";
        append_uint(field_type);
        out_.push_back(':');
        append_base64(bytes);
        out_.push_back('"');
      }
    }
  }

  void append_int(int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    if (sql_) out_ += "CAST(";
    out_.append(buf, r.ptr);
    if (sql_) out_ += " AS SIGNED)";
  }
  // _utf8mb4'...' with backslash escapes (the applier's session has no
  // NO_BACKSLASH_ESCAPES; see sql/literal.h).
  void append_sql_string(std::string_view s) {
    out_ += "_utf8mb4'";
    for (char c : s) {
      switch (c) {
        case '\0': out_ += "\\0"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\\': out_ += "\\\\"; break;
        case '\'': out_ += "\\'"; break;
        case '"': out_ += "\\\""; break;
        case '\x1a': out_ += "\\Z"; break;
        default: out_.push_back(c);
      }
    }
    out_.push_back('\'');
  }
  // Unsigned integers: the text reads back as a signed INTEGER unless the
  // value exceeds INT64_MAX.
  void append_unsigned(uint64_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) lossy_ = true;
    if (sql_) out_ += "CAST(";
    append_uint(v);
    if (sql_) out_ += " AS UNSIGNED)";
  }
  void append_uint(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void append_base64(std::span<const uint8_t> b) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
      const uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      out_.push_back(kAlphabet[v >> 18]);
      out_.push_back(kAlphabet[(v >> 12) & 63]);
      out_.push_back(kAlphabet[(v >> 6) & 63]);
      out_.push_back(kAlphabet[v & 63]);
    }
    if (i < b.size()) {
      const uint32_t v = (b[i] << 16) | (i + 1 < b.size() ? b[i + 1] << 8 : 0);
      out_.push_back(kAlphabet[v >> 18]);
      out_.push_back(kAlphabet[(v >> 12) & 63]);
      out_.push_back(i + 1 < b.size() ? kAlphabet[(v >> 6) & 63] : '=');
      out_.push_back('=');
    }
  }
  void append_quoted(const char* s, size_t n) {
    if (sql_)
      append_sql_string({s, n});
    else
      append_json_string(out_, {s, n});
  }

  std::span<const uint8_t> doc_;
  uint64_t base_;
  std::string& out_;
  size_t max_output_;  // text of a sane document stays within a small multiple of its binary size
  bool sql_ = false;
  bool lossy_ = false;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_json_double(std::string& out, double d) {
  // Shortest round-trip digits, then laid out the way MySQL's my_gcvt()
  // does with width MY_GCVT_MAX_FIELD_WIDTH (34): 'f' format unless the
  // decimal exponent is below -14 or above 15 (with no fraction digits).
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::string_view s(sci, static_cast<size_t>(r.ptr - sci));
  if (s == "inf" || s == "-inf" || s == "nan" || s == "-nan") {  // not storable in JSON; never in valid input
    out += "null";
    return;
  }
  const bool negative = s.front() == '-';
  if (negative) s.remove_prefix(1);
  const size_t e = s.find('e');
  char digits[24];
  int len = 0;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits[len++] = s[i];
  int exponent = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+'), s.data() + s.size(), exponent);
  while (len > 1 && digits[len - 1] == '0') --len;
  const int decpt = (len == 1 && digits[0] == '0') ? 1 : exponent + 1;

  const int width = 34 - (negative ? 1 : 0);
  const int f_len = decpt <= 0 ? len - decpt + 2 : decpt < len ? len + 1 : decpt;
  const bool f_format = f_len <= width && decpt >= -14 && (decpt <= 15 || len > decpt);
  const size_t start = out.size();
  if (negative) out.push_back('-');
  if (f_format) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out.append(digits, static_cast<size_t>(len));
    } else {
      for (int i = 0; i < len; ++i) {
        out.push_back(digits[i]);
        if (i + 1 == decpt && i + 1 < len) out.push_back('.');
      }
      for (int i = len; i < decpt; ++i) out.push_back('0');
    }
  } else {
    out.push_back(digits[0]);
    if (len > 1) {
      out.push_back('.');
      out.append(digits + 1, static_cast<size_t>(len - 1));
    }
    out.push_back('e');
    int x = decpt - 1;
    if (x < 0) {
      out.push_back('-');
      x = -x;
    }
    char buf[8];
    auto rr = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, rr.ptr);
  }
  if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
}

std::string json_binary_to_text(std::span<const uint8_t> bytes, uint64_t base_offset, bool* lossy) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4 + 8);
  JsonPrinter printer(bytes, base_offset, out);
  printer.document();
  if (lossy) *lossy = printer.lossy();
  return out;
}

std::string json_binary_to_sql(std::span<const uint8_t> bytes, uint64_t base_offset) {
  std::string out;
  JsonPrinter(bytes, base_offset, out, /*sql=*/true).document();
  return out;
}

}  // namespace galaxis::binlog::detail
