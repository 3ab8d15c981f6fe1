// WRITE/UPDATE/DELETE_ROWS (pre-GA 20-22, v1 23-25, v2 30-32), MySQL
// PARTIAL_UPDATE_ROWS (39) and MariaDB's compressed row events (166-171,
// handed over already inflated).
//
// Layout after the post-header (table id, flags, v2: extra-info block):
//   column count (packed), columns-present bitmap for the before image (or
//   the only image), for updates a second bitmap for the after image, then
//   rows until the end: per image a NULL bitmap over the present columns and
//   the non-NULL values. PARTIAL_UPDATE_ROWS puts value options (packed) and,
//   with PARTIAL_JSON, a bitmap over the table's JSON columns between the
//   before and after image; flagged JSON columns carry a diff vector.
#include "row_decoding.h"
#include "table_map_internal.h"
#include "values_internal.h"

namespace galaxis::binlog::detail {
namespace {

constexpr uint8_t kV1PostHeader = 8, kV2PostHeader = 10;
constexpr uint64_t kPartialJsonUpdates = 1;

struct KindInfo {
  RowsKind kind;
  bool v2;
  bool two_bitmaps;
};

bool rows_kind(uint8_t type, KindInfo* out) {
  switch (type) {
    case 20: *out = {RowsKind::kWrite, false, false}; return true;
    case 21: *out = {RowsKind::kUpdate, false, false}; return true;
    case 22: *out = {RowsKind::kDelete, false, false}; return true;
    case 23:
    case 166: *out = {RowsKind::kWrite, false, false}; return true;
    case 24:
    case 167: *out = {RowsKind::kUpdate, false, true}; return true;
    case 25:
    case 168: *out = {RowsKind::kDelete, false, false}; return true;
    case 30:
    case 169: *out = {RowsKind::kWrite, true, false}; return true;
    case 31:
    case 170: *out = {RowsKind::kUpdate, true, true}; return true;
    case 32:
    case 171: *out = {RowsKind::kDelete, true, false}; return true;
    case 39: *out = {RowsKind::kPartialUpdate, true, true}; return true;
    default: return false;
  }
}

void read_bitmap(ByteReader& in, size_t bits, std::vector<bool>& out, std::string_view what) {
  const auto bytes = in.bytes((bits + 7) / 8, what);
  out.resize(bits);
  for (size_t i = 0; i < bits; ++i) out[i] = (bytes[i / 8] >> (i % 8)) & 1;
}

// The v2 extra-row-info block: (type, payload) chunks. NDB info (type 0)
// carries its own length byte; partition info (type 1) is one or (updates)
// two 16-bit partition ids. An unknown type ends the block, as in MySQL.
void skip_extra_row_info(ByteReader& in, uint8_t type_code) {
  const uint64_t at = in.absolute_offset();
  const uint16_t total = in.u16("extra row info length");
  if (total < 2) in.fail_value("extra row info length", total);
  ByteReader extra(in.bytes(total - 2u, "extra row info"), at + 2);
  while (!extra.empty()) {
    const uint8_t tag = extra.u8("extra row info type");
    if (tag == 0) {  // NDB: length byte (counting itself and the format byte), format, data
      const uint8_t len = extra.rest().empty() ? 0 : extra.rest()[0];
      if (len < 2) extra.fail_value("NDB extra row info length", len);
      extra.skip(len, "NDB extra row info");
    } else if (tag == 1) {  // partition ids
      extra.skip(2, "partition id");
      if (type_code == 21 || type_code == 24 || type_code == 31 || type_code == 39 || type_code == 167 ||
          type_code == 170)
        extra.skip(2, "source partition id");
    } else {
      break;
    }
  }
}

// Pre-GA row events (MySQL 5.1.0-5.1.17, types 20-22) copy the source
// table's record NULL bytes: bit 0 is the record's "X" bit, which is always
// set, then one bit per column. The binlog does not describe that layout, so
// it is assumed (every column nullable, X bit present) and checked: each row
// must start with the X bit set and the event must parse to its end.
class ImageReader {
 public:
  ImageReader(const TableMap& table, uint32_t width, bool pre_ga) : table_(table), width_(width), pre_ga_(pre_ga) {}

  void read(ByteReader& in, const std::vector<bool>& present, size_t present_count, RowImage& image,
            const std::vector<bool>* partial_json) {
    const uint64_t image_offset = in.absolute_offset();
    const size_t null_bits = pre_ga_ ? width_ + 1 : present_count;
    const auto nulls = in.bytes((null_bits + 7) / 8, "row NULL bitmap");
    if (pre_ga_ && !(nulls[0] & 1))
      throw_error(Error::Kind::kUnsupported,
                  "pre-GA row image at offset {} does not have the record layout of MySQL 5.1.0-5.1.17 "
                  "(NULL byte 0x{:02x} without the X bit); such row events are not supported",
                  image_offset, nulls[0]);
    image.reserve(present_count);
    size_t n = 0;
    for (uint32_t i = 0; i < width_; ++i) {
      if (!present[i]) continue;
      const size_t bit = pre_ga_ ? i + 1 : n;
      const bool is_null = (nulls[bit / 8] >> (bit % 8)) & 1;
      ++n;
      if (is_null) {
        image.emplace_back(Null{});
        continue;
      }
      const ColumnInfo& c = table_.columns[i];
      const uint64_t offset = in.absolute_offset();
      try {
        if (partial_json && c.real_type == ColumnType::kJson && (*partial_json)[i]) {
          if (c.meta < 1 || c.meta > 4)
            throw_error(Error::Kind::kCorrupt, "JSON column with length size {} at offset {}", c.meta, offset);
          const uint64_t len = in.uint_le(c.meta, "partial JSON length");
          const uint64_t at = in.absolute_offset();
          image.emplace_back(decode_json_diff(in.bytes(len, "partial JSON diff"), at));
        } else {
          image.push_back(decode_value(in, c));
        }
      } catch (Error& e) {
        if (c.real_type == ColumnType::kDateTime || c.real_type == ColumnType::kTime ||
            c.real_type == ColumnType::kTimestamp)
          e.add_context(
              "old-format temporal column: if the source is MariaDB and the table was created with "
              "mysql56_temporal_format=OFF, its fractional-second values use a layout the binlog does not "
              "describe (ALTER TABLE ... FORCE on the source converts them)");
        e.add_context(fmt::format("{}.{} column {}{}{} ({}) value at offset {} (row image at {})",
                                  printable_name(table_.database), printable_name(table_.table), i + 1,
                                  c.name.empty() ? "" : " ", printable_name(c.name), column_type_name(c.real_type),
                                  offset, image_offset));
        throw;
      }
    }
  }

 private:
  const TableMap& table_;
  uint32_t width_;
  bool pre_ga_;
};

}  // namespace

RowsEvent decode_rows(ByteReader& body, uint8_t type_code, const FormatDescriptionEvent& format,
                      const TableLookup& lookup, bool decode_values) {
  KindInfo info;
  if (!rows_kind(type_code, &info))
    throw_error(Error::Kind::kUnsupported, "event type {} is not a row event", type_code);
  uint8_t post_header = format.post_header_length(type_code);
  if (post_header == 0) post_header = info.v2 ? kV2PostHeader : kV1PostHeader;

  RowsEvent ev;
  ev.kind = info.kind;
  const uint64_t event_offset = body.absolute_offset();
  ev.table_id = post_header == 6 ? body.u32("table id") : body.u48("table id");
  ev.flags = body.u16("rows flags");
  if (post_header == kV2PostHeader)
    skip_extra_row_info(body, type_code);
  else if (post_header > kV1PostHeader)
    body.skip(post_header - kV1PostHeader, "rows post-header");

  ev.table = lookup(ev.table_id);
  if (!ev.table)
    throw_error(Error::Kind::kCorrupt, "row event at offset {} refers to table id {}, which no TABLE_MAP defined",
                event_offset, ev.table_id);
  const TableMap& table = *ev.table;

  const uint64_t width_offset = body.absolute_offset();
  const uint64_t width = body.packed_int("column count");
  if (width == 0 || width > table.columns.size())
    throw_error(Error::Kind::kCorrupt, "row event at offset {} has {} columns, table map {}.{} (id {}) has {}",
                width_offset, width, printable_name(table.database), printable_name(table.table), ev.table_id,
                table.columns.size());
  ev.column_count = static_cast<uint32_t>(width);
  const bool has_before = info.kind != RowsKind::kWrite;
  const bool has_after = info.kind != RowsKind::kDelete;
  std::vector<bool> first;
  read_bitmap(body, width, first, "columns-present bitmap");
  if (info.two_bitmaps) {
    ev.columns_before = std::move(first);
    read_bitmap(body, width, ev.columns_after, "after-image columns-present bitmap");
  } else {
    if (has_before) ev.columns_before = first;
    if (has_after) ev.columns_after = std::move(first);
  }
  if (!decode_values) {
    body.skip(body.remaining(), "rows");
    return ev;
  }

  size_t before_count = 0, after_count = 0;
  for (bool b : ev.columns_before) before_count += b;
  for (bool b : ev.columns_after) after_count += b;

  const bool pre_ga = type_code >= 20 && type_code <= 22;
  ImageReader images(table, ev.column_count, pre_ga);
  std::vector<bool> partial_json;  // by column index, for PARTIAL_UPDATE_ROWS
  // Capacity guessed from the first row's size (the rest of the body over
  // it). The bound "every row needs at least its NULL bitmap(s)" reserved
  // hundreds of entries for a one-row event; the relay moves decoded events
  // into its queues, so that slack stayed allocated (RSS doubled).
  ev.rows.reserve(1);
  const uint64_t rows_start = body.absolute_offset();
  while (!body.empty()) {
    if (ev.rows.size() == 1) {
      const uint64_t first_row = std::max<uint64_t>(1, body.absolute_offset() - rows_start);
      ev.rows.reserve(std::min<size_t>(body.remaining() / first_row + 2, 4096));
    }
    const uint64_t row_offset = body.absolute_offset();
    if (before_count + after_count == 0)  // a row would consume no bytes: never legitimate, and would never end
      throw_error(Error::Kind::kCorrupt, "row event at offset {} has row data but no columns in its images",
                  row_offset);
    RowChange& row = ev.rows.emplace_back();
    try {
      if (has_before) images.read(body, ev.columns_before, before_count, row.before, nullptr);
      const std::vector<bool>* partial = nullptr;
      if (info.kind == RowsKind::kPartialUpdate) {
        const uint64_t options = body.packed_int("value options");
        if (options & kPartialJsonUpdates) {
          size_t json_columns = 0;
          for (const auto& c : table.columns) json_columns += c.real_type == ColumnType::kJson;
          const auto bits = body.bytes((json_columns + 7) / 8, "partial JSON bitmap");
          partial_json.assign(ev.column_count, false);
          size_t j = 0;
          for (uint32_t i = 0; i < table.columns.size(); ++i) {
            if (table.columns[i].real_type != ColumnType::kJson) continue;
            if (i < ev.column_count) partial_json[i] = (bits[j / 8] >> (j % 8)) & 1;
            ++j;
          }
          partial = &partial_json;
        }
      }
      if (has_after) images.read(body, ev.columns_after, after_count, row.after, partial);
    } catch (Error& e) {
      e.add_context(fmt::format("row {} at offset {}", ev.rows.size(), row_offset));
      if (pre_ga && e.kind() == Error::Kind::kCorrupt)
        throw Error(Error::Kind::kUnsupported,
                    std::string(e.what()) +
                        " (pre-GA row event of MySQL 5.1.0-5.1.17: decoded under an assumed record layout, which "
                        "does not fit; not supported)");
      throw;
    }
  }
  return ev;
}

}  // namespace galaxis::binlog::detail
