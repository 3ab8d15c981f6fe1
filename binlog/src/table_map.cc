// TABLE_MAP_EVENT decoding: column types, per-type metadata, null bits and
// the optional metadata TLVs of MySQL 8.0+ / MariaDB 10.5+.
//
// ColumnInfo::meta keeps the metadata the way the server itself folds it
// into one 16-bit number (and mysqlbinlog prints it as "meta=N"):
//   1-byte types (FLOAT, DOUBLE, BLOB, BLOB_COMPRESSED, GEOMETRY, JSON,
//   VECTOR, TIME2, DATETIME2, TIMESTAMP2): the byte;
//   VARCHAR, VARCHAR_COMPRESSED, VAR_STRING, BIT: little-endian 16 bits
//   (BIT: bits%8 | bytes<<8);
//   NEWDECIMAL: precision<<8 | scale;  STRING/ENUM/SET: byte0<<8 | byte1.
#include <algorithm>

#include "row_decoding.h"
#include "table_map_internal.h"

namespace galaxis::binlog {

unsigned ColumnInfo::width_bits() const {
  switch (real_type) {
    case ColumnType::kTiny: return 8;
    case ColumnType::kShort: return 16;
    case ColumnType::kInt24: return 24;
    case ColumnType::kLong: return 32;
    case ColumnType::kLongLong: return 64;
    default: return 0;
  }
}

unsigned ColumnInfo::fsp() const {
  switch (real_type) {
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2: return meta <= 6 ? meta : 0;
    default: return 0;
  }
}

namespace detail {

std::string printable_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out.push_back(static_cast<char>(c));
  }
  return out;
}

// Number of metadata bytes the table map carries for a column type.
static int metadata_length(ColumnType type) {
  switch (type) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kBlob:
    case ColumnType::kBlobCompressed:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kGeometry:
    case ColumnType::kJson:
    case ColumnType::kVector:
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2: return 1;
    case ColumnType::kVarchar:
    case ColumnType::kVarcharCompressed:
    case ColumnType::kVarString:
    case ColumnType::kBit:
    case ColumnType::kNewDecimal:
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet: return 2;
    default: return 0;
  }
}

bool is_numeric_column(const ColumnInfo& c) {
  switch (c.real_type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
    case ColumnType::kNewDecimal:
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    // YEAR and the old DECIMAL get a signedness bit too (MySQL's
    // has_signedess_information_type(); MariaDB likewise): MySQL 9.7 and
    // MariaDB 10.11 binlogs with a YEAR before other numeric columns only
    // line up when it is counted (go-mysql#1118 hit the same off-by-one).
    case ColumnType::kYear:
    case ColumnType::kDecimal: return true;
    default: return false;
  }
}

// Columns that DEFAULT_CHARSET / COLUMN_CHARSET describe: CHAR, VARCHAR and
// BLOB/TEXT (not ENUM/SET, which have their own fields, nor JSON); MySQL 9
// counts VECTOR (binary) and MariaDB counts GEOMETRY (a BLOB underneath).
bool is_character_column(const ColumnInfo& c, bool mariadb) {
  switch (c.real_type) {
    case ColumnType::kVector: return !mariadb;
    case ColumnType::kGeometry: return mariadb;
    case ColumnType::kString:
    case ColumnType::kVarString:
    case ColumnType::kVarchar:
    case ColumnType::kVarcharCompressed:
    case ColumnType::kBlob:
    case ColumnType::kBlobCompressed:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob: return true;
    default: return false;
  }
}

bool is_enum_or_set_column(const ColumnInfo& c) {
  return c.real_type == ColumnType::kEnum || c.real_type == ColumnType::kSet;
}

uint32_t string_max_length(const ColumnInfo& c) {
  // MySQL before 5.1.18 wrote table maps without metadata: CHAR then had at
  // most 255 bytes and a 1-byte length.
  if (c.meta == 0) return 255;
  const unsigned byte0 = c.meta >> 8, byte1 = c.meta & 0xff;
  if (c.type == ColumnType::kString && (byte0 & 0x30) != 0x30)
    return static_cast<uint32_t>((((byte0 & 0x30) ^ 0x30) << 4) | byte1);
  return byte1;
}

static void read_column_meta(ByteReader& in, ColumnInfo& c) {
  switch (metadata_length(c.type)) {
    case 1: c.meta = in.u8("column metadata"); break;
    case 2: {
      const uint8_t b0 = in.u8("column metadata"), b1 = in.u8("column metadata");
      if (c.type == ColumnType::kNewDecimal || c.type == ColumnType::kString || c.type == ColumnType::kEnum ||
          c.type == ColumnType::kSet)
        c.meta = static_cast<uint16_t>((b0 << 8) | b1);
      else
        c.meta = static_cast<uint16_t>(b0 | (b1 << 8));
      break;
    }
    default: c.meta = 0;
  }
  c.real_type = c.type;
  if (c.type == ColumnType::kString) {
    const unsigned byte0 = c.meta >> 8;
    // CHAR longer than 255 bytes folds length bits into byte0; otherwise byte0
    // is the real type (ENUM/SET/STRING).
    if ((byte0 & 0x30) == 0x30) c.real_type = static_cast<ColumnType>(byte0);
  }
}

namespace {

// Walks one optional-metadata TLV value.
class Tlv {
 public:
  Tlv(ByteReader& in, size_t length) : in_(in), end_(in.position() + length) {}
  bool more() const { return in_.position() < end_; }
  uint64_t packed(std::string_view what) {
    const uint64_t v = in_.packed_int(what);
    check(what);
    return v;
  }
  std::string string(std::string_view what) {
    const uint64_t n = packed(what);
    if (n > end_ - in_.position())
      throw_error(Error::Kind::kCorrupt, "{} of {} bytes at offset {} overruns its metadata field ({} bytes left)",
                  what, n, in_.absolute_offset(), end_ - in_.position());
    return in_.string(n, what);
  }
  uint8_t byte(std::string_view what) {
    const uint8_t v = in_.u8(what);
    check(what);
    return v;
  }
  void finish() {
    if (in_.position() < end_) in_.skip(end_ - in_.position(), "optional metadata");
  }

 private:
  void check(std::string_view what) const {
    if (in_.position() > end_) in_.fail_value(what, in_.position() - end_);
  }
  ByteReader& in_;
  size_t end_;
};

template <typename Pred>
std::vector<ColumnInfo*> columns_where(TableMap& t, Pred pred) {
  std::vector<ColumnInfo*> out;
  for (auto& c : t.columns)
    if (pred(c)) out.push_back(&c);
  return out;
}

// Reads a bitmap TLV (MSB first) and calls fn(column, bit) for each selected column.
template <typename Fn>
void read_bitmap(Tlv& tlv, const std::vector<ColumnInfo*>& cols, Fn fn) {
  size_t i = 0;
  while (tlv.more()) {
    const uint8_t byte = tlv.byte("optional metadata bitmap");
    for (int bit = 7; bit >= 0; --bit, ++i)
      if (i < cols.size()) fn(*cols[i], (byte >> bit) & 1);
  }
}

void read_default_charset(Tlv& tlv, const std::vector<ColumnInfo*>& cols) {
  const uint64_t def = tlv.packed("default charset");
  for (auto* c : cols) c->collation = static_cast<uint16_t>(def);
  while (tlv.more()) {
    const uint64_t index = tlv.packed("charset column index");
    const uint64_t collation = tlv.packed("charset collation");
    if (index >= cols.size())
      throw_error(Error::Kind::kCorrupt, "table map charset entry for column {} of {} character columns", index,
                  cols.size());
    cols[index]->collation = static_cast<uint16_t>(collation);
  }
}

void read_column_charsets(Tlv& tlv, const std::vector<ColumnInfo*>& cols) {
  size_t i = 0;
  while (tlv.more()) {
    const uint64_t collation = tlv.packed("column charset");
    if (i < cols.size()) cols[i]->collation = static_cast<uint16_t>(collation);
    ++i;
  }
}

void read_str_values(Tlv& tlv, const std::vector<ColumnInfo*>& cols, bool is_set) {
  size_t i = 0;
  while (tlv.more()) {
    const uint64_t count = tlv.packed("enum/set value count");
    std::vector<std::string> values;
    values.reserve(std::min<uint64_t>(count, 1024));
    for (uint64_t k = 0; k < count; ++k) values.push_back(tlv.string("enum/set value"));
    if (i < cols.size()) (is_set ? cols[i]->set_values : cols[i]->enum_values) = std::move(values);
    ++i;
  }
}

void read_optional_metadata(ByteReader& in, TableMap& t, bool mariadb) {
  const auto numeric = columns_where(t, is_numeric_column);
  const auto character = columns_where(t, [mariadb](const ColumnInfo& c) { return is_character_column(c, mariadb); });
  const auto enum_set = columns_where(t, is_enum_or_set_column);
  while (!in.empty()) {
    const uint64_t type_offset = in.absolute_offset();
    const uint8_t type = in.u8("optional metadata type");
    const uint64_t length = in.packed_int("optional metadata length");
    in.require(length, "optional metadata value");
    Tlv tlv(in, length);
    try {
      switch (type) {
        case 1:  // SIGNEDNESS
          read_bitmap(tlv, numeric, [](ColumnInfo& c, bool bit) { c.is_unsigned = bit; });
          t.has_signedness = true;
          break;
        case 2:  // DEFAULT_CHARSET
          read_default_charset(tlv, character);
          t.has_charsets = true;
          break;
        case 3:  // COLUMN_CHARSET
          read_column_charsets(tlv, character);
          t.has_charsets = true;
          break;
        case 4: {  // COLUMN_NAME
          size_t i = 0;
          while (tlv.more()) {
            std::string name = tlv.string("column name");
            if (i < t.columns.size()) t.columns[i].name = std::move(name);
            ++i;
          }
          t.has_column_names = true;
          break;
        }
        case 5:  // SET_STR_VALUE
          read_str_values(tlv, columns_where(t, [](const ColumnInfo& c) { return c.real_type == ColumnType::kSet; }),
                          true);
          break;
        case 6:  // ENUM_STR_VALUE
          read_str_values(tlv, columns_where(t, [](const ColumnInfo& c) { return c.real_type == ColumnType::kEnum; }),
                          false);
          break;
        case 7: {  // GEOMETRY_TYPE
          const auto geo = columns_where(t, [](const ColumnInfo& c) { return c.real_type == ColumnType::kGeometry; });
          size_t i = 0;
          while (tlv.more()) {
            const uint64_t g = tlv.packed("geometry type");
            if (i < geo.size()) geo[i]->geometry_type = static_cast<uint32_t>(g);
            ++i;
          }
          break;
        }
        case 8:  // SIMPLE_PRIMARY_KEY
        case 9:  // PRIMARY_KEY_WITH_PREFIX
          while (tlv.more()) {
            const uint64_t column = tlv.packed("primary key column");
            if (column >= t.columns.size())
              throw_error(Error::Kind::kCorrupt, "primary key names column {} of {}", column, t.columns.size());
            t.primary_key.push_back(static_cast<uint32_t>(column));
            if (type == 9) tlv.packed("primary key prefix");
          }
          break;
        case 10:  // ENUM_AND_SET_DEFAULT_CHARSET
          read_default_charset(tlv, enum_set);
          break;
        case 11:  // ENUM_AND_SET_COLUMN_CHARSET
          read_column_charsets(tlv, enum_set);
          break;
        case 12:  // COLUMN_VISIBILITY
          read_bitmap(tlv, columns_where(t, [](const ColumnInfo&) { return true; }),
                      [](ColumnInfo& c, bool bit) { c.visible = bit; });
          break;
        default:  // newer fields (e.g. vector dimensionality): skipped by length
          break;
      }
      tlv.finish();
    } catch (Error& e) {
      e.add_context(fmt::format("optional metadata field {} at offset {}", type, type_offset));
      throw;
    }
  }
}

}  // namespace

std::shared_ptr<TableMap> decode_table_map(ByteReader& body, const FormatDescriptionEvent& format) {
  auto t = std::make_shared<TableMap>();
  const uint8_t post_header = format.post_header_length(static_cast<uint8_t>(EventType::kTableMap));
  t->table_id = post_header == 6 ? body.u32("table id") : body.u48("table id");
  t->flags = body.u16("table map flags");

  const uint8_t db_len = body.u8("database name length");
  t->database = body.string(db_len, "database name");
  body.skip(1, "database name terminator");
  const uint8_t table_len = body.u8("table name length");
  t->table = body.string(table_len, "table name");
  body.skip(1, "table name terminator");

  const uint64_t column_count = body.packed_int("column count");
  body.require(column_count, "column types");  // one byte per column: bounds the allocation
  if (column_count == 0 || column_count > 4096)
    throw_error(Error::Kind::kCorrupt, "table map for {}.{}: invalid column count {} at offset {}",
                printable_name(t->database), printable_name(t->table), column_count, body.absolute_offset());
  t->columns.resize(column_count);
  for (auto& c : t->columns) c.type = static_cast<ColumnType>(body.u8("column type"));

  if (!body.empty()) {
    const uint64_t meta_len = body.packed_int("metadata length");
    const uint64_t meta_start = body.absolute_offset();
    body.require(meta_len, "column metadata block");
    ByteReader meta(body.bytes(meta_len, "column metadata block"), meta_start);
    for (size_t i = 0; i < t->columns.size(); ++i) {
      try {
        read_column_meta(meta, t->columns[i]);
      } catch (Error& e) {
        e.add_context(fmt::format("table map {}.{} column {} ({})", printable_name(t->database),
                                  printable_name(t->table), i + 1, column_type_name(t->columns[i].type)));
        throw;
      }
    }
    if (!meta.empty())
      throw_error(Error::Kind::kCorrupt,
                  "table map {}.{}: column metadata block at offset {} is {} bytes, the column types use {}",
                  printable_name(t->database), printable_name(t->table), meta_start, meta_len, meta.position());
    const auto nulls = body.bytes((column_count + 7) / 8, "null bitmap");
    for (size_t i = 0; i < t->columns.size(); ++i) t->columns[i].nullable = (nulls[i / 8] >> (i % 8)) & 1;
  } else {
    for (auto& c : t->columns) c.real_type = c.type;
  }

  with_context([&] { return fmt::format("table map {}.{}", printable_name(t->database), printable_name(t->table)); },
               [&] { read_optional_metadata(body, *t, format.is_mariadb()); });
  return t;
}

}  // namespace detail
}  // namespace galaxis::binlog
