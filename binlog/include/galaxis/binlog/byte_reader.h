// galaxis/binlog/byte_reader.h — bounded little-endian reader over a byte span.
//
// Every decoder reads through a ByteReader. Each read checks the remaining
// length first and throws Error(kCorrupt) naming `what` and the absolute
// offset (base_offset + position) on overrun, so a length field that points
// past the end can never cause an out-of-bounds read or a huge allocation.
// Not thread-safe; cheap to copy (it is a view).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "galaxis/common/error.h"

namespace galaxis::binlog {

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> data, uint64_t base_offset = 0) : data_(data), base_offset_(base_offset) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ >= data_.size(); }
  uint64_t absolute_offset() const { return base_offset_ + pos_; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  // Throws Error(kCorrupt) unless at least n bytes remain.
  void require(size_t n, std::string_view what) const {
    if (n > remaining()) [[unlikely]]
      fail(what, n);
  }

  uint8_t u8(std::string_view what = "u8") {
    require(1, what);
    return data_[pos_++];
  }
  uint16_t u16(std::string_view what = "u16") { return static_cast<uint16_t>(uint_le(2, what)); }
  uint32_t u24(std::string_view what = "u24") { return static_cast<uint32_t>(uint_le(3, what)); }
  uint32_t u32(std::string_view what = "u32") { return static_cast<uint32_t>(uint_le(4, what)); }
  uint64_t u48(std::string_view what = "u48") { return uint_le(6, what); }
  uint64_t u64(std::string_view what = "u64") { return uint_le(8, what); }

  // Little-endian unsigned integer of n (0..8) bytes.
  uint64_t uint_le(size_t n, std::string_view what) {
    require(n, what);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  // Big-endian unsigned integer of n (0..8) bytes (DECIMAL, TIME2, DATETIME2 use it).
  uint64_t uint_be(size_t n, std::string_view what) {
    require(n, what);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }

  // MySQL length-encoded integer (0xfb is not valid here: throws).
  uint64_t packed_int(std::string_view what = "packed integer") {
    const uint8_t first = u8(what);
    if (first < 0xfb) return first;
    if (first == 0xfc) return uint_le(2, what);
    if (first == 0xfd) return uint_le(3, what);
    if (first == 0xfe) return uint_le(8, what);
    fail_value(what, first);
  }

  std::span<const uint8_t> bytes(size_t n, std::string_view what) {
    require(n, what);
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view string_view(size_t n, std::string_view what) {
    auto b = bytes(n, what);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  std::string string(size_t n, std::string_view what) { return std::string(string_view(n, what)); }
  void skip(size_t n, std::string_view what) { require(n, what), pos_ += n; }

  [[noreturn]] void fail(std::string_view what, size_t wanted) const;
  [[noreturn]] void fail_value(std::string_view what, uint64_t value) const;

 private:
  std::span<const uint8_t> data_;
  uint64_t base_offset_;
  size_t pos_ = 0;
};

}  // namespace galaxis::binlog
