// MariaDB compressed events (log_bin_compress=ON): QUERY_COMPRESSED's
// statement and *_ROWS_COMPRESSED's row data are stored as one record:
// a header byte 0x80 | n (n = 1..4), the uncompressed length in n bytes
// big-endian, then a zlib stream.
#include <zlib.h>

#include <limits>

#include "event_decoding.h"

namespace galaxis::binlog::detail {

void mariadb_uncompress(std::span<const uint8_t> record, uint64_t offset, std::string_view what,
                        std::vector<uint8_t>& out) {
  ByteReader in(record, offset);
  const uint8_t header = in.u8(what);
  if ((header & 0xe0) != 0x80) in.fail_value(std::string(what) + " header byte", header);
  const size_t length_bytes = header & 0x07;
  if (length_bytes < 1 || length_bytes > 4) in.fail_value(std::string(what) + " length size", length_bytes);
  const uint64_t length = in.uint_be(length_bytes, what);
  auto compressed = in.rest();
  // zlib cannot expand more than ~1032:1; a larger claim is corrupt, and the
  // check keeps the allocation below tied to bytes that exist.
  constexpr uint64_t kMaxRatio = 1032;
  if (length > (compressed.size() + 16) * kMaxRatio)
    throw_error(Error::Kind::kCorrupt, "{} at offset {} claims {} bytes from {} compressed bytes", what, offset, length,
                compressed.size());
  out.resize(static_cast<size_t>(length));
  if (compressed.size() > std::numeric_limits<uLong>::max())
    throw_error(Error::Kind::kCorrupt, "{} at offset {} too large", what, offset);
  uLongf produced = static_cast<uLongf>(length);
  const int rc = ::uncompress(out.data(), &produced, compressed.data(), static_cast<uLong>(compressed.size()));
  if (rc != Z_OK || produced != length)
    throw_error(Error::Kind::kCorrupt, "{} at offset {}: zlib inflate failed ({}; {} of {} bytes)", what, offset,
                rc == Z_OK ? "size mismatch" : zError(rc), produced, length);
}

uint8_t maria_uncompressed_rows_type(uint8_t type_code) {
  switch (static_cast<EventType>(type_code)) {
    case EventType::kMariaWriteRowsCompressedV1: return static_cast<uint8_t>(EventType::kWriteRowsV1);
    case EventType::kMariaUpdateRowsCompressedV1: return static_cast<uint8_t>(EventType::kUpdateRowsV1);
    case EventType::kMariaDeleteRowsCompressedV1: return static_cast<uint8_t>(EventType::kDeleteRowsV1);
    case EventType::kMariaWriteRowsCompressed: return static_cast<uint8_t>(EventType::kWriteRowsV2);
    case EventType::kMariaUpdateRowsCompressed: return static_cast<uint8_t>(EventType::kUpdateRowsV2);
    case EventType::kMariaDeleteRowsCompressed: return static_cast<uint8_t>(EventType::kDeleteRowsV2);
    default: return type_code;
  }
}

// The rows body up to and including the column bitmaps is plain; the row
// data after it is one compressed record. Rebuild the plain body and let
// the ordinary rows decoder read it.
RowsEvent decode_maria_compressed_rows(ByteReader& body, uint8_t type_code, const FormatDescriptionEvent& format,
                                       const TableLookup& lookup, bool decode_values) {
  const uint8_t plain_type = maria_uncompressed_rows_type(type_code);
  const bool v2 = plain_type >= static_cast<uint8_t>(EventType::kWriteRowsV2);
  const bool update = plain_type == static_cast<uint8_t>(EventType::kUpdateRowsV1) ||
                      plain_type == static_cast<uint8_t>(EventType::kUpdateRowsV2);
  size_t post_header = format.post_header_length(type_code);
  if (post_header == 0) post_header = format.post_header_length(plain_type);
  if (post_header == 0) post_header = v2 ? 10 : 8;

  const uint64_t body_offset = body.absolute_offset();
  ByteReader scan = body;
  scan.skip(post_header == 6 ? 4 : 6, "table id");
  scan.skip(2, "flags");
  if (v2) {
    const uint16_t extra = scan.u16("extra row info length");
    if (extra < 2) scan.fail_value("extra row info length", extra);
    scan.skip(extra - 2, "extra row info");
  }
  constexpr uint64_t kMaxColumns = 4096;  // MySQL's and MariaDB's table limit
  const uint64_t width = scan.packed_int("column count");
  if (width == 0 || width > kMaxColumns) scan.fail_value("column count", width);
  const uint64_t bitmap = (width + 7) / 8;
  scan.skip(static_cast<size_t>(bitmap), "columns bitmap");
  if (update) scan.skip(static_cast<size_t>(bitmap), "update columns bitmap");

  const size_t plain_prefix = scan.position() - body.position();
  std::vector<uint8_t> plain(body.rest().begin(), body.rest().begin() + plain_prefix);
  std::vector<uint8_t> rows;
  mariadb_uncompress(scan.rest(), scan.absolute_offset(), "compressed row data", rows);
  plain.insert(plain.end(), rows.begin(), rows.end());
  body.skip(body.remaining(), "rows");

  // Offsets inside the inflated rows are not file offsets; errors there name
  // the event (the decoder adds it) and the body start.
  ByteReader plain_reader(plain, body_offset);
  return decode_rows(plain_reader, plain_type, format, lookup, decode_values);
}

}  // namespace galaxis::binlog::detail
