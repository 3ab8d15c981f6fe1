// tests/unit/binlog/row_test_util.h — helpers for the byte-literal tests of
// the TABLE_MAP, row and value decoders (binlog/src internals).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "../../../binlog/src/row_decoding.h"
#include "../../../binlog/src/table_map_internal.h"
#include "../../../binlog/src/values_internal.h"

namespace galaxis::binlog::rowtest {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes(std::initializer_list<int> list) {
  Bytes out;
  for (int b : list) out.push_back(static_cast<uint8_t>(b));
  return out;
}
inline void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
inline void append_le(Bytes& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void append_str(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

inline ColumnInfo column(ColumnType type, uint16_t meta = 0, std::optional<bool> is_unsigned = std::nullopt,
                         ColumnType real_type = ColumnType::kNull, uint16_t collation = 0) {
  ColumnInfo c;
  c.type = type;
  c.real_type = real_type == ColumnType::kNull ? type : real_type;
  c.meta = meta;
  c.is_unsigned = is_unsigned;
  c.collation = collation;
  return c;
}

// Decodes one value and checks that exactly all bytes were consumed.
inline Value decode(const Bytes& b, const ColumnInfo& c, uint64_t base = 1000) {
  ByteReader in(b, base);
  Value v = detail::decode_value(in, c);
  EXPECT_EQ(in.remaining(), 0u) << "value left bytes unread";
  return v;
}

// The message of the Error `fn` throws ("" when it does not throw), and its kind.
template <typename Fn>
std::string error_of(Fn&& fn, Error::Kind* kind = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

inline FormatDescriptionEvent mysql_format(std::string version = "8.0.40") {
  FormatDescriptionEvent f;
  f.server_version = std::move(version);
  f.post_header_lengths.assign(42, 0);
  f.post_header_lengths[19 - 1] = 8;
  for (int t : {20, 21, 22, 23, 24, 25}) f.post_header_lengths[t - 1] = 8;
  for (int t : {30, 31, 32, 39}) f.post_header_lengths[t - 1] = 10;
  return f;
}
inline FormatDescriptionEvent mariadb_format() { return mysql_format("10.11.6-MariaDB-log"); }

}  // namespace galaxis::binlog::rowtest
