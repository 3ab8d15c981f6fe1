// One column value from a row image. The column's real type and metadata
// (from the table map) decide the byte layout; see table_map.cc for how
// ColumnInfo::meta is folded.
#include <bit>
#include <cstring>

#include "row_decoding.h"
#include "table_map_internal.h"
#include "values_internal.h"

namespace galaxis::binlog::detail {
namespace {

static_assert(std::endian::native == std::endian::little, "value decoding assumes a little-endian host");

template <typename T>
T load_le(std::span<const uint8_t> b) {
  T v;
  std::memcpy(&v, b.data(), sizeof(T));
  return v;
}

Value integer(ByteReader& in, const ColumnInfo& c, unsigned bytes) {
  const uint64_t raw = in.uint_le(bytes, "integer value");
  if (c.is_unsigned.value_or(false)) return raw;
  const unsigned shift = 64 - 8 * bytes;
  return static_cast<int64_t>(raw << shift) >> shift;
}

// Length-prefixed bytes: `length_bytes` (1..4) little-endian length, then data.
std::string_view prefixed(ByteReader& in, unsigned length_bytes, std::string_view what) {
  if (length_bytes < 1 || length_bytes > 4)
    throw_error(Error::Kind::kCorrupt, "invalid {} length size {} at offset {}", what, length_bytes,
                in.absolute_offset());
  const uint64_t n = in.uint_le(length_bytes, what);
  return in.string_view(n, what);
}

[[noreturn]] void unsupported(const ColumnInfo& c, uint64_t offset) {
  throw_error(Error::Kind::kUnsupported, "column type {} ({}) is not supported at offset {}",
              static_cast<unsigned>(c.real_type), column_type_name(c.real_type), offset);
}

}  // namespace

Value decode_value(ByteReader& in, const ColumnInfo& c) {
  switch (c.real_type) {
    case ColumnType::kTiny: return integer(in, c, 1);
    case ColumnType::kShort: return integer(in, c, 2);
    case ColumnType::kInt24: return integer(in, c, 3);
    case ColumnType::kLong: return integer(in, c, 4);
    case ColumnType::kLongLong: return integer(in, c, 8);
    case ColumnType::kFloat: return load_le<float>(in.bytes(4, "FLOAT value"));
    case ColumnType::kDouble: return load_le<double>(in.bytes(8, "DOUBLE value"));
    case ColumnType::kNewDecimal: {
      const uint64_t offset = in.absolute_offset();
      const unsigned precision = c.meta >> 8, scale = c.meta & 0xff;
      const size_t size = decimal_binary_size(precision, scale, offset);
      Decimal d;
      append_decimal_text(d.text, in.bytes(size, "DECIMAL value"), precision, scale, offset);
      return d;
    }
    case ColumnType::kYear:
    case ColumnType::kDate:
    case ColumnType::kNewDate:
    case ColumnType::kTime:
    case ColumnType::kTime2:
    case ColumnType::kDateTime:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2: return decode_temporal(in, c);
    case ColumnType::kVarchar:
    case ColumnType::kVarString: {
      const auto s = prefixed(in, c.meta < 256 ? 1 : 2, "VARCHAR value");
      return Text{std::string(s), c.collation};
    }
    case ColumnType::kString: {
      const auto s = prefixed(in, string_max_length(c) > 255 ? 2 : 1, "CHAR value");
      return Text{std::string(s), c.collation};
    }
    case ColumnType::kVarcharCompressed:
    case ColumnType::kBlobCompressed: {
      const unsigned length_bytes = c.real_type == ColumnType::kBlobCompressed ? c.meta : (c.meta < 256 ? 1 : 2);
      const auto s = prefixed(in, length_bytes, "COMPRESSED column value");
      const uint64_t offset = in.absolute_offset() - s.size();
      return Text{mariadb_column_uncompress({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, offset),
                  c.collation};
    }
    case ColumnType::kEnum: {
      const unsigned n = c.meta & 0xff;
      if (n != 1 && n != 2)
        throw_error(Error::Kind::kCorrupt, "ENUM with pack length {} at offset {}", n, in.absolute_offset());
      return Enum{static_cast<uint16_t>(in.uint_le(n, "ENUM value"))};
    }
    case ColumnType::kSet: {
      const unsigned n = c.meta & 0xff;
      if (n < 1 || n > 8)
        throw_error(Error::Kind::kCorrupt, "SET with pack length {} at offset {}", n, in.absolute_offset());
      return Set{in.uint_le(n, "SET value")};
    }
    case ColumnType::kBit: {
      const unsigned bits = (c.meta >> 8) * 8 + (c.meta & 0xff);
      if (bits == 0 || bits > 64 || (c.meta & 0xff) > 7)
        throw_error(Error::Kind::kCorrupt, "BIT metadata {} at offset {}", c.meta, in.absolute_offset());
      return Bit{in.uint_be((bits + 7) / 8, "BIT value"), static_cast<uint16_t>(bits)};
    }
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob: {
      const auto s = prefixed(in, c.meta, "BLOB value");
      return Text{std::string(s), c.collation};
    }
    case ColumnType::kGeometry: return Geometry{std::string(prefixed(in, c.meta, "GEOMETRY value"))};
    case ColumnType::kJson: {
      const auto s = prefixed(in, c.meta, "JSON value");
      const uint64_t offset = in.absolute_offset() - s.size();
      if (s.empty()) return Json{"null", ""};
      const std::span<const uint8_t> doc{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
      bool lossy = false;
      Json json{json_binary_to_text(doc, offset, &lossy), ""};
      if (lossy) json.sql = json_binary_to_sql(doc, offset);
      return json;
    }
    case ColumnType::kVector: {
      const auto s = prefixed(in, c.meta, "VECTOR value");
      if (s.size() % 4)
        throw_error(Error::Kind::kCorrupt, "VECTOR value of {} bytes (not a multiple of 4) at offset {}", s.size(),
                    in.absolute_offset() - s.size());
      Vector v;
      v.values.resize(s.size() / 4);
      for (size_t i = 0; i < v.values.size(); ++i)
        v.values[i] = load_le<float>({reinterpret_cast<const uint8_t*>(s.data()) + 4 * i, 4});
      return v;
    }
    case ColumnType::kDecimal:
      throw_error(Error::Kind::kUnsupported,
                  "old-style DECIMAL column (type 0, MySQL < 5.0) is not supported at offset {}; "
                  "ALTER the table on the source to a current DECIMAL",
                  in.absolute_offset());
    default: unsupported(c, in.absolute_offset());
  }
}

}  // namespace galaxis::binlog::detail
