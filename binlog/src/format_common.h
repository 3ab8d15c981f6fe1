// binlog/src/format_common.h — helpers shared by the text and jsonl
// formatters (format_text.cc, format_json.cc). Not installed.
//
// All functions append to a std::string and never throw except bad_alloc.
// Date/time strings follow the jsonl contract in README.md: DATE
// "YYYY-MM-DD", DATETIME/TIMESTAMP "YYYY-MM-DD HH:MM:SS[.ffffff]" with as many
// fraction digits as the column's precision, TIME "[-]HH:MM:SS[.ffffff]" with
// at least two hour digits.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "galaxis/binlog/value.h"

namespace galaxis::binlog::detail {

template <typename Int>
inline void append_int(std::string& out, Int value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// `value` with at least `width` digits, zero-padded (value must be >= 0).
inline void append_padded(std::string& out, uint64_t value, unsigned width) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const auto digits = static_cast<unsigned>(result.ptr - buffer);
  if (digits < width) out.append(width - digits, '0');
  out.append(buffer, result.ptr);
}

// ".ffffff" cut to `precision` digits; nothing when precision is 0.
inline void append_fraction(std::string& out, uint32_t micros, uint8_t precision) {
  if (precision == 0) return;
  if (precision > 6) precision = 6;
  static constexpr uint32_t kDivisor[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
  out.push_back('.');
  append_padded(out, (micros % 1000000) / kDivisor[precision], precision);
}

inline void append_date(std::string& out, uint16_t year, uint8_t month, uint8_t day) {
  append_padded(out, year, 4);
  out.push_back('-');
  append_padded(out, month, 2);
  out.push_back('-');
  append_padded(out, day, 2);
}

inline void append_clock(std::string& out, uint8_t hour, uint8_t minute, uint8_t second) {
  append_padded(out, hour, 2);
  out.push_back(':');
  append_padded(out, minute, 2);
  out.push_back(':');
  append_padded(out, second, 2);
}

inline void append_value_date(std::string& out, const Date& d) { append_date(out, d.year, d.month, d.day); }

inline void append_value_datetime(std::string& out, const DateTime& d) {
  append_date(out, d.year, d.month, d.day);
  out.push_back(' ');
  append_clock(out, d.hour, d.minute, d.second);
  append_fraction(out, d.micros, d.precision);
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
inline void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
}

// A UTC timestamp as "YYYY-MM-DD HH:MM:SS[.ffffff]"; 0 is the zero
// timestamp "0000-00-00 00:00:00".
inline void append_utc(std::string& out, uint32_t seconds, uint32_t micros, uint8_t precision) {
  if (seconds == 0) {
    out.append("0000-00-00 00:00:00");
  } else {
    int64_t year;
    unsigned month, day;
    civil_from_days(seconds / 86400, year, month, day);
    const uint32_t in_day = seconds % 86400;
    append_date(out, static_cast<uint16_t>(year), static_cast<uint8_t>(month), static_cast<uint8_t>(day));
    out.push_back(' ');
    append_clock(out, static_cast<uint8_t>(in_day / 3600), static_cast<uint8_t>(in_day / 60 % 60),
                 static_cast<uint8_t>(in_day % 60));
  }
  append_fraction(out, micros, precision);
}

inline void append_value_time(std::string& out, const Time& t) {
  if (t.negative) out.push_back('-');
  append_padded(out, t.hours, 2);
  out.push_back(':');
  append_padded(out, t.minutes, 2);
  out.push_back(':');
  append_padded(out, t.seconds, 2);
  append_fraction(out, t.micros, t.precision);
}

inline void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  out.reserve(out.size() + (n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < n) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (i + 1 < n) v |= uint32_t{p[i + 1]} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

// The shortest decimal text that reads back as the same float, parsed as a
// double: FLOAT 1.1 prints as 1.1, not 1.100000023841858.
inline double float_as_shortest_double(float value) {
  char buffer[32];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, value);
  double result = value;
  std::from_chars(buffer, printed.ptr, result);
  return result;
}

}  // namespace galaxis::binlog::detail
