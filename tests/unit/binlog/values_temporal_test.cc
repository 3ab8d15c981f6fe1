// Byte-literal tests: DATE, TIME/TIME2, DATETIME/DATETIME2, TIMESTAMP/TIMESTAMP2, YEAR.
#include "row_test_util.h"

namespace galaxis::binlog::rowtest {
namespace {

Time time2(const Bytes& b, unsigned fsp) { return std::get<Time>(decode(b, column(ColumnType::kTime2, fsp))); }
Time make_time(bool neg, uint32_t h, uint8_t m, uint8_t s, uint32_t us, uint8_t prec) {
  Time t;
  t.negative = neg;
  t.hours = h;
  t.minutes = m;
  t.seconds = s;
  t.micros = us;
  t.precision = prec;
  return t;
}

TEST(TemporalValues, YearAndDate) {
  EXPECT_EQ(decode(bytes({0}), column(ColumnType::kYear)), Value(Year{0}));
  EXPECT_EQ(decode(bytes({1}), column(ColumnType::kYear)), Value(Year{1901}));
  EXPECT_EQ(decode(bytes({255}), column(ColumnType::kYear)), Value(Year{2155}));
  // DATE: day | month << 5 | year << 9, 3 bytes little-endian
  const uint32_t d = 31 | (12 << 5) | (9999 << 9);
  EXPECT_EQ(decode(bytes({int(d & 0xff), int(d >> 8 & 0xff), int(d >> 16)}), column(ColumnType::kDate)),
            Value(Date{9999, 12, 31}));
  EXPECT_EQ(decode(bytes({0, 0, 0}), column(ColumnType::kDate)), Value(Date{0, 0, 0}));
  EXPECT_EQ(decode(bytes({0, 0, 0}), column(ColumnType::kNewDate)), Value(Date{0, 0, 0}));
}

TEST(TemporalValues, OldTimeIsSignedHhmmss) {
  // 838:59:59 = 8385959 = 0x7ff5a7; negative is its two's complement in 24 bits
  EXPECT_EQ(decode(bytes({0xa7, 0xf5, 0x7f}), column(ColumnType::kTime)), Value(make_time(false, 838, 59, 59, 0, 0)));
  EXPECT_EQ(decode(bytes({0x59, 0x0a, 0x80}), column(ColumnType::kTime)), Value(make_time(true, 838, 59, 59, 0, 0)));
}

TEST(TemporalValues, Time2WholeSeconds) {
  EXPECT_EQ(time2(bytes({0x80, 0x00, 0x00}), 0), make_time(false, 0, 0, 0, 0, 0));
  EXPECT_EQ(time2(bytes({0x7f, 0xff, 0xff}), 0), make_time(true, 0, 0, 1, 0, 0));
  // 838:59:59 = (838 << 12 | 59 << 6 | 59) + 0x800000
  const uint32_t hms = (838u << 12) | (59u << 6) | 59u;
  const uint32_t pos = 0x800000 + hms, neg = 0x800000 - hms;
  EXPECT_EQ(time2(bytes({int(pos >> 16), int(pos >> 8 & 0xff), int(pos & 0xff)}), 0),
            make_time(false, 838, 59, 59, 0, 0));
  EXPECT_EQ(time2(bytes({int(neg >> 16), int(neg >> 8 & 0xff), int(neg & 0xff)}), 0),
            make_time(true, 838, 59, 59, 0, 0));
}

TEST(TemporalValues, Time2NegativeFractionsBorrowFromTheIntegerPart) {
  // fsp 1: -00:00:00.5 is intpart -1 with fraction byte 0x100 - 50
  EXPECT_EQ(time2(bytes({0x7f, 0xff, 0xff, 0xce}), 1), make_time(true, 0, 0, 0, 500000, 1));
  EXPECT_EQ(time2(bytes({0x80, 0x00, 0x00, 0x0a}), 1), make_time(false, 0, 0, 0, 100000, 1));
  // fsp 3: -00:00:00.001 is intpart -1, fraction 0x10000 - 10
  EXPECT_EQ(time2(bytes({0x7f, 0xff, 0xff, 0xff, 0xf6}), 3), make_time(true, 0, 0, 0, 1000, 3));
  // fsp 6: 6 bytes, value - 0x800000000000; -00:00:01.000001
  const int64_t packed = -((int64_t{1} << 24) + 1);
  const uint64_t raw = static_cast<uint64_t>(0x800000000000LL + packed);
  Bytes b;
  for (int i = 5; i >= 0; --i) b.push_back(static_cast<uint8_t>(raw >> (8 * i)));
  EXPECT_EQ(time2(b, 6), make_time(true, 0, 0, 1, 1, 6));
}

TEST(TemporalValues, Time2BadFspOrFieldsAreCorrupt) {
  Error::Kind kind{};
  std::string e = error_of([] { time2(bytes({0x80, 0, 0}), 7); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kCorrupt);
  EXPECT_NE(e.find("fractional precision 7"), std::string::npos) << e;
  // minutes field 63
  const uint32_t raw = 0x800000 + (63u << 6);
  e = error_of([&] { time2(bytes({int(raw >> 16), int(raw >> 8 & 0xff), int(raw & 0xff)}), 0); });
  EXPECT_NE(e.find("invalid TIME2 value at offset 1000"), std::string::npos) << e;
}

Bytes datetime2_bytes(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s) {
  const uint64_t ym = uint64_t{y} * 13 + mo;
  const uint64_t ymd = (ym << 5) | d;
  const uint64_t hms = (uint64_t{h} << 12) | (mi << 6) | s;
  const uint64_t v = ((ymd << 17) | hms) + 0x8000000000ULL;
  Bytes b;
  for (int i = 4; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}

TEST(TemporalValues, DateTime2WithFractions) {
  DateTime want{2024, 2, 29, 23, 59, 59, 0, 0};
  EXPECT_EQ(decode(datetime2_bytes(2024, 2, 29, 23, 59, 59), column(ColumnType::kDateTime2, 0)), Value(want));
  Bytes b = datetime2_bytes(2024, 2, 29, 23, 59, 59);
  append(b, bytes({0x01, 0xe2, 0x40}));  // 123456 µs
  want.micros = 123456;
  want.precision = 6;
  EXPECT_EQ(decode(b, column(ColumnType::kDateTime2, 6)), Value(want));
  b = datetime2_bytes(2000, 2, 29, 12, 0, 0);
  b.push_back(99);  // fsp 2: hundredths
  EXPECT_EQ(decode(b, column(ColumnType::kDateTime2, 2)), Value(DateTime{2000, 2, 29, 12, 0, 0, 990000, 2}));
  EXPECT_EQ(decode(datetime2_bytes(0, 0, 0, 0, 0, 0), column(ColumnType::kDateTime2, 0)), Value(DateTime{}));
}

TEST(TemporalValues, OldDateTimeAndTimestamps) {
  Bytes b;
  append_le(b, 99991231235958ULL, 8);
  EXPECT_EQ(decode(b, column(ColumnType::kDateTime)), Value(DateTime{9999, 12, 31, 23, 59, 58, 0, 0}));
  EXPECT_EQ(decode(bytes({0xff, 0xff, 0xff, 0x7f}), column(ColumnType::kTimestamp)),
            Value(Timestamp{2147483647, 0, 0}));
  // TIMESTAMP2 is big-endian seconds + fraction
  // fsp 3 stores units of 100 µs: .999 = 9990
  EXPECT_EQ(decode(bytes({0x7f, 0xff, 0xff, 0xff, 0x27, 0x06}), column(ColumnType::kTimestamp2, 3)),
            Value(Timestamp{2147483647, 999000, 3}));
  EXPECT_EQ(decode(bytes({0, 0, 0, 0}), column(ColumnType::kTimestamp2, 0)), Value(Timestamp{0, 0, 0}));
  EXPECT_EQ(decode(bytes({0, 0, 0, 1, 0x0f, 0x42, 0x3f}), column(ColumnType::kTimestamp2, 6)),
            Value(Timestamp{1, 999999, 6}));
  const std::string e = error_of([] {
    decode(bytes({0, 0, 0, 1, 0x0f, 0x42, 0x40}), column(ColumnType::kTimestamp2, 6));
  });
  EXPECT_NE(e.find("fractional seconds 1000000 out of range"), std::string::npos) << e;
  EXPECT_EQ(column(ColumnType::kTimestamp2, 3).fsp(), 3u);
  EXPECT_EQ(column(ColumnType::kLong, 3).fsp(), 0u);
}

TEST(TemporalValues, PackedTemporalsUsedByJsonOpaque) {
  EXPECT_EQ(detail::time_from_packed(-(((int64_t{1} << 12) << 24) + 5)), make_time(true, 1, 0, 0, 5, 0));
}

}  // namespace
}  // namespace galaxis::binlog::rowtest
