// DATE, TIME/TIME2, DATETIME/DATETIME2, TIMESTAMP/TIMESTAMP2, YEAR values.
//
// The "2" formats (MySQL 5.6+) are big-endian with an offset so that they
// sort bytewise; the fractional part takes 0..3 bytes depending on the
// column's fsp. The old formats are little-endian decimal-packed integers.
#include "values_internal.h"

namespace galaxis::binlog::detail {
namespace {

constexpr int64_t kTimeIntOffset = 0x800000;              // TIMEF_INT_OFS
constexpr int64_t kTimeOffset = 0x800000000000LL;         // TIMEF_OFS
constexpr uint64_t kDateTimeIntOffset = 0x8000000000ULL;  // DATETIMEF_INT_OFS

unsigned fraction_bytes(unsigned fsp) { return (fsp + 1) / 2; }

void check_fsp(const ColumnInfo& c, uint64_t offset) {
  if (c.meta > 6)
    throw_error(Error::Kind::kCorrupt, "{} column with fractional precision {} (max 6) at offset {}",
                column_type_name(c.type), c.meta, offset);
}

uint32_t check_micros(uint64_t micros, uint64_t offset) {
  if (micros >= 1000000)
    throw_error(Error::Kind::kCorrupt, "fractional seconds {} out of range at offset {}", micros, offset);
  return static_cast<uint32_t>(micros);
}

Time decode_time2(ByteReader& in, unsigned fsp) {
  int64_t packed;
  const uint64_t offset = in.absolute_offset();
  switch (fsp) {
    case 0: packed = (static_cast<int64_t>(in.uint_be(3, "TIME2 value")) - kTimeIntOffset) * (int64_t{1} << 24); break;
    case 1:
    case 2: {
      int64_t intpart = static_cast<int64_t>(in.uint_be(3, "TIME2 value")) - kTimeIntOffset;
      int64_t frac = in.u8("TIME2 fraction");
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x100;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      int64_t intpart = static_cast<int64_t>(in.uint_be(3, "TIME2 value")) - kTimeIntOffset;
      int64_t frac = static_cast<int64_t>(in.uint_be(2, "TIME2 fraction"));
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x10000;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 100;
      break;
    }
    default: packed = static_cast<int64_t>(in.uint_be(6, "TIME2 value")) - kTimeOffset; break;
  }
  Time t = time_from_packed(packed);
  t.precision = static_cast<uint8_t>(fsp);
  if (t.minutes > 59 || t.seconds > 59 || t.micros >= 1000000)
    throw_error(Error::Kind::kCorrupt, "invalid TIME2 value at offset {}", offset);
  return t;
}

DateTime decode_datetime2(ByteReader& in, unsigned fsp) {
  const uint64_t offset = in.absolute_offset();
  const uint64_t raw = in.uint_be(5, "DATETIME2 value");
  if (raw < kDateTimeIntOffset) throw_error(Error::Kind::kCorrupt, "negative DATETIME2 value at offset {}", offset);
  const int64_t intpart = static_cast<int64_t>(raw - kDateTimeIntOffset);
  int64_t frac = 0;
  if (fsp) {
    const unsigned n = fraction_bytes(fsp);
    const uint64_t f = in.uint_be(n, "DATETIME2 fraction");
    frac = static_cast<int64_t>(n == 1 ? f * 10000 : n == 2 ? f * 100 : f);
  }
  DateTime d = datetime_from_packed(intpart * (int64_t{1} << 24) + frac);
  d.precision = static_cast<uint8_t>(fsp);
  if (d.month > 12 || d.day > 31 || d.hour > 23 || d.minute > 59 || d.second > 59 || d.micros >= 1000000)
    throw_error(Error::Kind::kCorrupt, "invalid DATETIME2 value at offset {}", offset);
  return d;
}

}  // namespace

DateTime datetime_from_packed(int64_t packed) {
  if (packed < 0) packed = -packed;
  DateTime d;
  d.micros = static_cast<uint32_t>(packed % (int64_t{1} << 24));
  const int64_t ymdhms = packed >> 24;
  const int64_t ymd = ymdhms >> 17;
  const int64_t ym = ymd >> 5;
  const int64_t hms = ymdhms % (1 << 17);
  d.day = static_cast<uint8_t>(ymd % (1 << 5));
  d.month = static_cast<uint8_t>(ym % 13);
  d.year = static_cast<uint16_t>(ym / 13);
  d.second = static_cast<uint8_t>(hms % (1 << 6));
  d.minute = static_cast<uint8_t>((hms >> 6) % (1 << 6));
  d.hour = static_cast<uint8_t>(hms >> 12);
  return d;
}

Time time_from_packed(int64_t packed) {
  Time t;
  if (packed < 0) {
    t.negative = true;
    packed = -packed;
  }
  const int64_t hms = packed >> 24;
  t.hours = static_cast<uint32_t>((hms >> 12) % (1 << 10));
  t.minutes = static_cast<uint8_t>((hms >> 6) % (1 << 6));
  t.seconds = static_cast<uint8_t>(hms % (1 << 6));
  t.micros = static_cast<uint32_t>(packed % (int64_t{1} << 24));
  return t;
}

Value decode_temporal(ByteReader& in, const ColumnInfo& c) {
  const uint64_t offset = in.absolute_offset();
  switch (c.real_type) {
    case ColumnType::kYear: {
      const uint8_t v = in.u8("YEAR value");
      return Year{static_cast<uint16_t>(v ? 1900 + v : 0)};
    }
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      const uint32_t v = in.u24("DATE value");
      return Date{static_cast<uint16_t>(v >> 9), static_cast<uint8_t>((v >> 5) & 15), static_cast<uint8_t>(v & 31)};
    }
    case ColumnType::kTime: {
      int32_t v = static_cast<int32_t>(in.u24("TIME value"));
      if (v & 0x800000) v -= 0x1000000;
      Time t;
      t.negative = v < 0;
      const uint32_t a = static_cast<uint32_t>(v < 0 ? -v : v);
      t.hours = a / 10000;
      t.minutes = static_cast<uint8_t>(a / 100 % 100);
      t.seconds = static_cast<uint8_t>(a % 100);
      if (t.minutes > 59 || t.seconds > 59)
        throw_error(Error::Kind::kCorrupt, "invalid TIME value {} at offset {}", v, offset);
      return t;
    }
    case ColumnType::kTime2: check_fsp(c, offset); return decode_time2(in, c.meta);
    case ColumnType::kDateTime: {
      const uint64_t v = in.u64("DATETIME value");
      const uint64_t date = v / 1000000, time = v % 1000000;
      DateTime d;
      d.year = static_cast<uint16_t>(date / 10000 % 10000);
      d.month = static_cast<uint8_t>(date / 100 % 100);
      d.day = static_cast<uint8_t>(date % 100);
      d.hour = static_cast<uint8_t>(time / 10000);
      d.minute = static_cast<uint8_t>(time / 100 % 100);
      d.second = static_cast<uint8_t>(time % 100);
      if (d.month > 12 || d.day > 31 || d.hour > 23 || d.minute > 59 || d.second > 59 || date > 99991231)
        throw_error(Error::Kind::kCorrupt, "invalid DATETIME value {} at offset {}", v, offset);
      return d;
    }
    case ColumnType::kDateTime2: check_fsp(c, offset); return decode_datetime2(in, c.meta);
    case ColumnType::kTimestamp: return Timestamp{in.u32("TIMESTAMP value"), 0, 0};
    case ColumnType::kTimestamp2: {
      check_fsp(c, offset);
      Timestamp ts;
      ts.seconds = static_cast<uint32_t>(in.uint_be(4, "TIMESTAMP2 value"));
      ts.precision = static_cast<uint8_t>(c.meta);
      if (c.meta) {
        const unsigned n = fraction_bytes(c.meta);
        const uint64_t f = in.uint_be(n, "TIMESTAMP2 fraction");
        ts.micros = check_micros(n == 1 ? f * 10000 : n == 2 ? f * 100 : f, offset);
      }
      return ts;
    }
    default:
      throw_error(Error::Kind::kUnsupported, "column type {} is not temporal at offset {}", column_type_name(c.type),
                  offset);
  }
}

}  // namespace galaxis::binlog::detail
