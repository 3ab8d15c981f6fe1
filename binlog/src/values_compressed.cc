// MariaDB column compression (VARCHAR/TEXT/BLOB ... COMPRESSED, table map
// types BLOB_COMPRESSED 140 / VARCHAR_COMPRESSED 141): the row image holds the column as stored, one record of
//   header byte  0x00: stored as is, the value follows;
//                0x80 | 8? | n (n = 1..4): zlib, the uncompressed length in
//                n bytes big-endian, then a zlib stream (raw deflate when bit
//                3 is set, column_compression_zlib_wrap=OFF, the default)
// An empty value has no header at all. (MariaDB sql/field_comp.cc,
// Field_longstr::compress / uncompress; the method is header >> 4, 8 = zlib.)
#include <zlib.h>

#include <limits>

#include "values_internal.h"

namespace galaxis::binlog::detail {

std::string mariadb_column_uncompress(std::span<const uint8_t> stored, uint64_t offset) {
  if (stored.empty()) return {};
  const uint8_t header = stored[0];
  if (header == 0) return std::string(reinterpret_cast<const char*>(stored.data()) + 1, stored.size() - 1);
  if ((header & 0xf0) != 0x80)
    throw_error(Error::Kind::kCorrupt,
                "COMPRESSED column value at offset {}: header byte 0x{:02x} names no known compression method", offset,
                header);
  const unsigned length_bytes = header & 0x07;
  const bool raw_deflate = header & 0x08;
  if (length_bytes < 1 || length_bytes > 4 || stored.size() < 1 + length_bytes)
    throw_error(Error::Kind::kCorrupt, "COMPRESSED column value at offset {}: header 0x{:02x} with {} bytes", offset,
                header, stored.size());
  uint64_t length = 0;
  for (unsigned i = 0; i < length_bytes; ++i) length = (length << 8) | stored[1 + i];
  const auto compressed = stored.subspan(1 + length_bytes);
  // Deflate cannot expand more than ~1032:1; a larger claim is corrupt, and
  // the check ties the allocation below to bytes that exist.
  constexpr uint64_t kMaxRatio = 1032;
  if (length > (compressed.size() + 16) * kMaxRatio || compressed.size() > std::numeric_limits<uInt>::max())
    throw_error(Error::Kind::kCorrupt, "COMPRESSED column value at offset {} claims {} bytes from {} compressed bytes",
                offset, length, compressed.size());
  std::string out(static_cast<size_t>(length), '\0');
  z_stream stream{};
  stream.next_in = const_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  if (inflateInit2(&stream, raw_deflate ? -MAX_WBITS : MAX_WBITS) != Z_OK)
    throw_error(Error::Kind::kRuntime, "COMPRESSED column value at offset {}: zlib inflateInit2 failed", offset);
  const int rc = inflate(&stream, Z_FINISH);
  const uint64_t produced = stream.total_out;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END || produced != length)
    throw_error(Error::Kind::kCorrupt, "COMPRESSED column value at offset {}: zlib inflate failed ({}; {} of {} bytes)",
                offset,
                rc == Z_STREAM_END ? "size mismatch" : (rc == Z_BUF_ERROR ? "truncated or too long" : zError(rc)),
                produced, length);
  return out;
}

}  // namespace galaxis::binlog::detail
