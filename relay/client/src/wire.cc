#include "galaxis/relay/wire.h"

#include "galaxis/common/error.h"

namespace galaxis::relay {

void WireReader::fail(std::string_view what, size_t wanted) const {
  throw_error(Error::Kind::kCorrupt,
              "protocol error: packet truncated reading {} (need {} bytes at offset {}, {} left)", what, wanted, pos_,
              remaining());
}

uint8_t WireReader::u8(std::string_view what) {
  require(1, what);
  return data_[pos_++];
}

uint8_t WireReader::peek(std::string_view what) const {
  require(1, what);
  return data_[pos_];
}

uint64_t WireReader::uint_le(size_t n, std::string_view what) {
  require(n, what);
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += n;
  return v;
}

uint64_t WireReader::lenenc_int(std::string_view what) {
  const uint8_t first = u8(what);
  if (first < 0xFB) return first;
  switch (first) {
    case 0xFC: return uint_le(2, what);
    case 0xFD: return uint_le(3, what);
    case 0xFE: return uint_le(8, what);
    default:
      throw_error(Error::Kind::kCorrupt, "protocol error: invalid length-encoded integer 0x{:02x} reading {}", first,
                  what);
  }
}

std::string WireReader::lenenc_string(std::string_view what) {
  const uint64_t n = lenenc_int(what);
  if (n > remaining()) fail(what, n);
  return fixed_string(static_cast<size_t>(n), what);
}

std::string WireReader::fixed_string(size_t n, std::string_view what) {
  auto b = bytes(n, what);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::span<const uint8_t> WireReader::bytes(size_t n, std::string_view what) {
  require(n, what);
  auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::string WireReader::null_string(std::string_view) {
  size_t end = pos_;
  while (end < data_.size() && data_[end] != 0) ++end;
  std::string out(reinterpret_cast<const char*>(data_.data() + pos_), end - pos_);
  pos_ = end < data_.size() ? end + 1 : end;
  return out;
}

std::string WireReader::rest_string() { return fixed_string(remaining(), "rest"); }

void WireReader::skip(size_t n, std::string_view what) {
  require(n, what);
  pos_ += n;
}

void WireWriter::uint_le(uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void WireWriter::lenenc_int(uint64_t v) {
  if (v < 0xFB) {
    u8(static_cast<uint8_t>(v));
  } else if (v <= 0xFFFF) {
    u8(0xFC);
    uint_le(v, 2);
  } else if (v <= 0xFFFFFF) {
    u8(0xFD);
    uint_le(v, 3);
  } else {
    u8(0xFE);
    uint_le(v, 8);
  }
}

void WireWriter::lenenc_string(std::string_view s) {
  lenenc_int(s.size());
  bytes(s);
}

void WireWriter::null_string(std::string_view s) {
  bytes(s);
  u8(0);
}

}  // namespace galaxis::relay
