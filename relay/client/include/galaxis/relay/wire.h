// galaxis/relay/wire.h — reading and writing the basic types of the MySQL
// client/server protocol: fixed little-endian integers, length-encoded
// integers and strings, NUL-terminated strings.
//
// WireReader is a bounded view: every read checks the remaining length and
// throws Error(kCorrupt) "protocol error: ... truncated reading <what>" on
// overrun, so a hostile length can never read out of bounds or allocate
// from an unchecked size. WireWriter appends to a byte vector it owns.
// Neither is thread-safe; both are cheap.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace galaxis::relay {

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  uint8_t u8(std::string_view what);
  uint16_t u16(std::string_view what) { return static_cast<uint16_t>(uint_le(2, what)); }
  uint32_t u24(std::string_view what) { return static_cast<uint32_t>(uint_le(3, what)); }
  uint32_t u32(std::string_view what) { return static_cast<uint32_t>(uint_le(4, what)); }
  uint64_t u64(std::string_view what) { return uint_le(8, what); }
  uint64_t uint_le(size_t n, std::string_view what);

  // Length-encoded integer (0xFB is NULL for text rows: see is_null_marker).
  uint64_t lenenc_int(std::string_view what);
  std::string lenenc_string(std::string_view what);
  std::string fixed_string(size_t n, std::string_view what);
  std::span<const uint8_t> bytes(size_t n, std::string_view what);
  // Up to (not including) the next NUL, which is consumed. Without a NUL the
  // rest of the packet is taken (old servers omit it after the plugin name).
  std::string null_string(std::string_view what);
  std::string rest_string();
  void skip(size_t n, std::string_view what);
  uint8_t peek(std::string_view what) const;

 private:
  [[noreturn]] void fail(std::string_view what, size_t wanted) const;
  void require(size_t n, std::string_view what) const {
    if (n > remaining()) fail(what, n);
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class WireWriter {
 public:
  WireWriter() = default;

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { uint_le(v, 2); }
  void u24(uint32_t v) { uint_le(v, 3); }
  void u32(uint32_t v) { uint_le(v, 4); }
  void u64(uint64_t v) { uint_le(v, 8); }
  void uint_le(uint64_t v, size_t n);
  void lenenc_int(uint64_t v);
  void lenenc_string(std::string_view s);
  void null_string(std::string_view s);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void bytes(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }

  const std::vector<uint8_t>& data() const { return out_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

}  // namespace galaxis::relay
