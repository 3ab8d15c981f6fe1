#include "galaxis/sql/write_set.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "galaxis/sql/collation_fold.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {
namespace {

constexpr uint32_t kAbsent = UINT32_MAX;

// FNV-1a over the canonical bytes, finished with a 64-bit avalanche
// (MurmurHash3's fmix64) so that tokens differing in the last byte differ in
// every bit. Fed directly from the values: no canonical string is built.
class Hasher {
 public:
  void byte(uint8_t b) {
    state_ ^= b;
    state_ *= 0x100000001b3ULL;
  }
  void bytes(std::string_view s) {
    for (char c : s) byte(static_cast<uint8_t>(c));
  }
  // Identifiers compare case-insensitively on some servers
  // (lower_case_table_names, index names always): folding them can only merge.
  void lower_bytes(std::string_view s) {
    for (char c : s) byte(static_cast<uint8_t>(ascii_lower(c)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  uint64_t finish() const {
    uint64_t h = state_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

// How a Text value of a column is compared by the server.
enum class TextMode : uint8_t {
  kExact,        // VARBINARY/BLOB: bytes
  kStripZeros,   // BINARY(n): right-padded with 0x00 on store
  kStripSpaces,  // *_bin collations (PAD SPACE; NO PAD ones merge a little more, which is safe)
  kCollated,     // any other collation: equality needs the collation's weights
};

bool ascii_space_charset(std::string_view charset) {
  // Charsets where a trailing 0x20 byte is always U+0020 and a *_bin
  // collation compares code points (same bytes <=> same string).
  return charset == "utf8mb4" || charset == "utf8mb3" || charset == "utf8" || charset == "latin1" || charset == "ascii";
}

TextMode text_mode(const ColumnSchema& column) {
  if (!column.is_character()) return column.data_type == "binary" ? TextMode::kStripZeros : TextMode::kExact;
  std::string_view collation = column.collation;
  if (collation.size() > 4 && collation.substr(collation.size() - 4) == "_bin" && ascii_space_charset(column.charset)) {
    return TextMode::kStripSpaces;
  }
  return TextMode::kCollated;
}

// kAll: a collated value without an exact canonical form (collation_fold.h):
// it may equal any value of the key.
enum class Fold : uint8_t { kValue, kNull, kWhole, kAll };

// The first `length` characters (character columns) or bytes (binary) of
// an indexed prefix. Only charsets text_mode() compares by bytes get here.
std::string_view truncate(std::string_view bytes, uint32_t length, const ColumnSchema& column) {
  const bool utf8 = column.charset.rfind("utf8", 0) == 0;
  if (!utf8) return bytes.substr(0, length);
  size_t end = 0;
  for (uint32_t characters = 0; end < bytes.size(); ++end) {
    // A character starts at every byte that is not a continuation byte.
    if ((static_cast<uint8_t>(bytes[end]) & 0xC0) != 0x80 && characters++ == length) break;
  }
  return bytes.substr(0, end);
}

void hash_decimal(Hasher& h, std::string_view text) {
  // "-0012.3400" and "12.34" are the same value: sign, integer digits without
  // leading zeros, fraction digits without trailing zeros; -0 is 0.
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  size_t point = text.find('.');
  std::string_view integer = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (integer.empty() && fraction.empty()) negative = false;
  h.byte('d');
  h.byte(negative ? 1 : 0);
  h.u64(integer.size());
  h.bytes(integer);
  h.u64(fraction.size());
  h.bytes(fraction);
}

void hash_integer(Hasher& h, bool negative, uint64_t magnitude_bits) {
  h.byte('i');
  h.byte(negative ? 1 : 0);
  h.u64(magnitude_bits);
}

// Appends the canonical form of `value` in `column` to h: equal for values
// the server considers equal in that column (different values may collide).
Fold fold_value(Hasher& h, const binlog::Value& value, const ColumnSchema& column, TextMode mode, uint32_t prefix,
                AsciiFoldRule rule) {
  using namespace binlog;
  return std::visit(
      [&](const auto& v) -> Fold {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          return Fold::kNull;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          // Table maps without signedness decode integers as signed; the
          // target column decides (as literal.cc does).
          unsigned bits = column.integer_bits();
          if (v < 0 && column.is_unsigned && bits > 0) {
            uint64_t u = static_cast<uint64_t>(v);
            if (bits < 64) u &= (uint64_t{1} << bits) - 1;
            hash_integer(h, false, u);
          } else {
            hash_integer(h, v < 0, static_cast<uint64_t>(v));
          }
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          hash_integer(h, false, v);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          double d = static_cast<double>(v);
          if (d == 0) d = 0;  // -0.0 = 0.0
          uint64_t bits = 0;
          std::memcpy(&bits, &d, sizeof bits);
          h.byte('f');
          h.u64(bits);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          hash_decimal(h, v.text);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Year>) {
          h.byte('y');
          h.u64(v.value);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Date>) {
          h.byte('D');
          h.u64(uint64_t{v.year} << 16 | uint64_t{v.month} << 8 | v.day);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Time>) {
          bool zero = v.hours == 0 && v.minutes == 0 && v.seconds == 0 && v.micros == 0;
          h.byte('t');
          h.byte(v.negative && !zero ? 1 : 0);
          h.u64(uint64_t{v.hours} << 16 | uint64_t{v.minutes} << 8 | v.seconds);
          h.u64(v.micros);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, DateTime>) {
          h.byte('T');
          h.u64(uint64_t{v.year} << 40 | uint64_t{v.month} << 32 | uint64_t{v.day} << 24 | uint64_t{v.hour} << 16 |
                uint64_t{v.minute} << 8 | v.second);
          h.u64(v.micros);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          h.byte('S');
          h.u64(v.seconds);
          h.u64(v.micros);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Text>) {
          if (mode == TextMode::kCollated && rule == AsciiFoldRule::kUnknown) return Fold::kWhole;
          std::string_view bytes = v.bytes;
          if (prefix > 0) bytes = truncate(bytes, prefix, column);
          if (mode == TextMode::kCollated) {
            // The indexed prefix first (characters; for ASCII, bytes), then the fold.
            std::optional<std::string_view> span = ascii_fold_span(bytes, rule);
            if (!span) return Fold::kAll;
            h.byte('c');
            h.u64(span->size());
            h.lower_bytes(*span);
            return Fold::kValue;
          }
          switch (mode) {
            case TextMode::kCollated: return Fold::kWhole;
            case TextMode::kStripSpaces:
              while (!bytes.empty() && bytes.back() == ' ') bytes.remove_suffix(1);
              break;
            case TextMode::kStripZeros:
              while (!bytes.empty() && bytes.back() == '\0') bytes.remove_suffix(1);
              break;
            case TextMode::kExact: break;
          }
          h.byte('s');
          h.u64(bytes.size());
          h.bytes(bytes);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Enum>) {
          h.byte('e');
          h.u64(v.index);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Set>) {
          h.byte('z');
          h.u64(v.bits);
          return Fold::kValue;
        } else if constexpr (std::is_same_v<T, Bit>) {
          h.byte('b');
          h.u64(v.bits);
          return Fold::kValue;
        } else {
          // Json, JsonDiff, Geometry, Vector: not comparable by bytes.
          return Fold::kWhole;
        }
      },
      value);
}

// One key part of one event: where its value is in each image.
struct Part {
  const ColumnSchema* column = nullptr;
  TextMode mode = TextMode::kExact;
  AsciiFoldRule rule = AsciiFoldRule::kUnknown;  // kCollated parts: collation_fold.h
  uint32_t prefix = 0;                           // indexed prefix length, 0 for the whole value
  uint32_t before = kAbsent;                     // position in RowChange::before, or kAbsent
  uint32_t after = kAbsent;
};

struct KeyPlan {
  const UniqueKey* key = nullptr;
  uint32_t first_part = 0;
  uint32_t part_count = 0;
  bool opaque = false;
  bool any_after = false;  // some part is present in the after image
  bool folded = false;     // some part is folded by collation_fold.h: shared/any-value tokens
  uint64_t any_value = 0;  // the key's "any value" identity (exclusive; shared twin for folded values)
  Hasher seed;             // table + key name
};

// Scratch reused across calls: no allocation per row, rarely per event.
struct Scratch {
  std::vector<Part> parts;
  std::vector<KeyPlan> keys;
};

// Index of the binlog column holding target column `column`, or kAbsent.
uint32_t event_column(const binlog::RowsEvent& rows, const TableSchema& table, size_t column, bool by_name) {
  if (!by_name) return static_cast<uint32_t>(column);
  const std::vector<binlog::ColumnInfo>& columns = rows.table->columns;
  const std::string& name = table.columns[column].name;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name.size() == name.size() && strncasecmp(columns[i].name.c_str(), name.c_str(), name.size()) == 0) {
      return static_cast<uint32_t>(i);
    }
  }
  return kAbsent;
}

// Position of binlog column `index` in an image with presence bits `present`.
uint32_t image_position(const std::vector<bool>& present, uint32_t index) {
  if (index == kAbsent || index >= present.size() || !present[index]) return kAbsent;
  uint32_t position = 0;
  for (uint32_t i = 0; i < index; ++i) position += present[i] ? 1 : 0;
  return position;
}

const binlog::Value* at(const binlog::RowImage& image, uint32_t position) {
  return position < image.size() ? &image[position] : nullptr;
}

// kAnyValue: the key's exclusive "any value" token (a collated value without a fold).
enum class Outcome : uint8_t { kToken, kNone, kWhole, kAnyValue, kMissing };

// Hashes the key's values from `image` (with `fallback` for parts the image
// lacks: an UPDATE's after image omits unchanged columns under MINIMAL).
Outcome key_token(const KeyPlan& plan, const std::vector<Part>& parts, const binlog::RowImage& image,
                  bool image_is_after, const binlog::RowImage* fallback, uint64_t* token,
                  const ColumnSchema** missing) {
  Hasher h = plan.seed;
  bool whole = false;
  bool any = false;
  for (uint32_t n = 0; n < plan.part_count; ++n) {
    const Part& part = parts[plan.first_part + n];
    const uint32_t position = image_is_after ? part.after : part.before;
    const binlog::Value* value = at(image, position);
    if (position == kAbsent && fallback != nullptr) value = at(*fallback, part.before);
    if (value == nullptr) {
      *missing = part.column;
      return Outcome::kMissing;
    }
    switch (fold_value(h, *value, *part.column, part.mode, part.prefix, part.rule)) {
      case Fold::kNull: return Outcome::kNone;  // NULLs never collide in a UNIQUE index
      case Fold::kWhole: whole = true; break;   // keep looking: a NULL later still means no constraint
      case Fold::kAll: any = true; break;
      case Fold::kValue: break;
    }
  }
  if (whole || plan.opaque) return Outcome::kWhole;
  if (any) return Outcome::kAnyValue;
  *token = h.finish();
  return Outcome::kToken;
}

uint64_t foreign_key_token(const std::string& group) {
  Hasher h;
  h.bytes("galaxis-relay: tables with foreign keys");
  h.byte(0);
  h.lower_bytes(group);
  return h.finish();
}

}  // namespace

void WriteSet::make_barrier(std::string reason) {
  if (barrier) return;  // the first reason is the one worth logging
  barrier = true;
  barrier_reason = std::move(reason);
}

void WriteSet::finish() {
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
}

bool WriteSet::intersects(const WriteSet& other) const {
  auto has = [](const std::vector<uint64_t>& set, uint64_t token) {
    return std::binary_search(set.begin(), set.end(), token);
  };
  for (uint64_t token : tokens) {
    if (is_shared(token)) {
      if (has(other.tokens, token & ~kShared)) return true;
    } else if (has(other.tokens, token) || has(other.tokens, token | kShared)) {
      return true;
    }
  }
  return false;
}

void add_row_tokens(const binlog::RowsEvent& rows, const TableSchema& table, WriteSet& into) {
  if (rows.rows.empty() || into.barrier) return;
  if (!table.unguarded_triggers.empty()) {
    into.make_barrier(fmt::format("table {} has triggers that fire for the applier's writes ({})",
                                  qualified_name(table.database, table.table), table.unguarded_triggers.front()));
    return;
  }
  if (!table.transactional) {
    into.make_barrier(fmt::format("table {} uses the non-transactional engine {}",
                                  qualified_name(table.database, table.table),
                                  table.engine.empty() ? "(unknown)" : table.engine));
    return;
  }
  if (table.has_foreign_keys) into.add(foreign_key_token(table.foreign_key_group));

  const bool by_name =
      rows.table != nullptr && rows.table->has_column_names && rows.table->columns.size() == rows.column_count;
  if (!by_name && rows.column_count != table.columns.size()) {
    // The applier refuses this event; run it in order so that error is the one seen.
    into.make_barrier(fmt::format("row event for {} has {} columns but the target table has {}",
                                  qualified_name(table.database, table.table), rows.column_count,
                                  table.columns.size()));
    return;
  }

  Hasher table_hash;
  table_hash.byte('T');
  table_hash.lower_bytes(table.database);
  table_hash.byte(0);
  table_hash.lower_bytes(table.table);
  table_hash.byte(0);
  Hasher whole_hash = table_hash;
  whole_hash.byte('W');
  const uint64_t whole_table = whole_hash.finish();

  // A hand-built schema may name only the applier's key.
  UniqueKey applier_key;
  const std::vector<UniqueKey>* keys = &table.unique_keys;
  std::vector<UniqueKey> single;
  if (keys->empty() && table.key_kind != KeyKind::kNone && !table.key_columns.empty()) {
    applier_key.name = table.key_name;
    applier_key.columns = table.key_columns;
    single.push_back(std::move(applier_key));
    keys = &single;
  }

  thread_local Scratch scratch;
  scratch.parts.clear();
  scratch.keys.clear();
  for (const UniqueKey& key : *keys) {
    KeyPlan plan;
    plan.key = &key;
    plan.first_part = static_cast<uint32_t>(scratch.parts.size());
    plan.opaque = key.opaque || key.columns.empty();
    plan.seed = table_hash;
    plan.seed.byte('K');
    plan.seed.lower_bytes(key.name);
    plan.seed.byte(0);
    for (size_t n = 0; n < key.columns.size(); ++n) {
      const size_t column = key.columns[n];
      Part part;
      part.prefix = n < key.prefix_lengths.size() ? key.prefix_lengths[n] : 0;
      if (column >= table.columns.size()) {
        plan.opaque = true;  // a schema we cannot read: conservative
        continue;
      }
      part.column = &table.columns[column];
      part.mode = text_mode(*part.column);
      if (part.mode == TextMode::kCollated) {
        part.rule = ascii_fold_rule(part.column->charset, part.column->collation);
        plan.folded = plan.folded || part.rule != AsciiFoldRule::kUnknown;
      }
      uint32_t index = event_column(rows, table, column, by_name);
      part.before = image_position(rows.columns_before, index);
      part.after = image_position(rows.columns_after, index);
      plan.any_after = plan.any_after || part.after != kAbsent;
      scratch.parts.push_back(part);
      ++plan.part_count;
    }
    if (plan.folded) {
      Hasher any = plan.seed;
      any.byte('A');
      plan.any_value = any.finish();
    }
    scratch.keys.push_back(plan);
  }

  const bool has_before = rows.kind != binlog::RowsKind::kWrite;
  const bool has_after = rows.kind != binlog::RowsKind::kDelete;
  const bool update = has_before && has_after;
  constexpr unsigned kBefore = 1, kAfter = 2;
  const unsigned images = (has_before ? kBefore : 0) | (has_after ? kAfter : 0);
  for (const binlog::RowChange& change : rows.rows) {
    unsigned named = 0;                     // images some key token names
    const ColumnSchema* unnamed = nullptr;  // a key column the before image lacks
    for (const KeyPlan& plan : scratch.keys) {
      uint64_t token = 0;
      const ColumnSchema* missing = nullptr;
      auto take = [&](Outcome outcome, unsigned image, bool required) {
        switch (outcome) {
          case Outcome::kToken:
            into.add(token);
            // Folded: also "some value of this key", so a value without a
            // fold (kAnyValue) orders against it.
            if (plan.folded) into.add_shared(plan.any_value);
            named |= image;
            return true;
          case Outcome::kAnyValue:
            into.add(plan.any_value);
            named |= image;
            return true;
          case Outcome::kWhole:
            into.add(whole_table);
            named |= image;
            return true;
          case Outcome::kNone: return true;
          case Outcome::kMissing:
            if (!required) {
              unnamed = missing;
              return true;
            }
            into.make_barrier(fmt::format(
                "a row image of {} lacks column `{}` of unique key `{}` (binlog_row_image MINIMAL or NOBLOB), so "
                "the key values this change frees or takes are unknown",
                qualified_name(table.database, table.table), missing->name, plan.key->name));
            return false;
        }
        return true;
      };
      if (update && !plan.any_after) {
        // The update leaves this key's value as it was: it neither frees nor
        // takes a value; the before image's value names the row in both.
        if (!take(key_token(plan, scratch.parts, change.before, false, nullptr, &token, &missing), kBefore | kAfter,
                  false)) {
          return;
        }
        continue;
      }
      if (has_before &&
          !take(key_token(plan, scratch.parts, change.before, false, nullptr, &token, &missing), kBefore, true)) {
        return;
      }
      if (has_after &&
          !take(key_token(plan, scratch.parts, change.after, true, update ? &change.before : nullptr, &token, &missing),
                kAfter, true)) {
        return;
      }
    }
    if (named == images) continue;
    // An image no key names (no unique key, or all NULL): any change of the
    // table may be this row. The table-wide token is consistent because the
    // image a later change of the row starts from is this change's after
    // image, which names no key either. That holds only for complete images.
    if (unnamed != nullptr) {
      into.make_barrier(fmt::format("a row image of {} lacks column `{}` and names the row by no unique key",
                                    qualified_name(table.database, table.table), unnamed->name));
      return;
    }
    into.add(whole_table);
  }
}

}  // namespace galaxis::sql
