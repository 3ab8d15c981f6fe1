// MySQL binary DECIMAL (NEWDECIMAL): groups of 9 decimal digits stored
// big-endian in 4 bytes, a leading and trailing partial group in 1..4 bytes,
// the whole thing XORed with 0xFF.. when negative and the top bit flipped.
#include <cstring>

#include "values_internal.h"

namespace galaxis::binlog::detail {
namespace {

constexpr int kDigitsPerGroup = 9;
constexpr unsigned kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr uint32_t kPow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

}  // namespace

size_t decimal_binary_size(unsigned precision, unsigned scale, uint64_t offset) {
  if (precision == 0 || precision > 65 || scale > 38 || scale > precision)
    throw_error(Error::Kind::kCorrupt, "invalid DECIMAL({},{}) metadata at offset {}", precision, scale, offset);
  const unsigned intg = precision - scale;
  return (intg / kDigitsPerGroup) * 4 + kDig2Bytes[intg % kDigitsPerGroup] + (scale / kDigitsPerGroup) * 4 +
         kDig2Bytes[scale % kDigitsPerGroup];
}

void append_decimal_text(std::string& out, std::span<const uint8_t> bytes, unsigned precision, unsigned scale,
                         uint64_t offset) {
  const unsigned intg = precision - scale;
  const unsigned intg0 = intg / kDigitsPerGroup, intg0x = intg % kDigitsPerGroup;
  const unsigned frac0 = scale / kDigitsPerGroup, frac0x = scale % kDigitsPerGroup;

  uint8_t buf[40];
  std::memcpy(buf, bytes.data(), bytes.size());
  const uint32_t mask = (buf[0] & 0x80) ? 0 : 0xffffffffu;
  buf[0] ^= 0x80;
  size_t pos = 0;
  auto group = [&](unsigned nbytes, unsigned digits) -> uint32_t {
    uint32_t v = 0;
    for (unsigned i = 0; i < nbytes; ++i) v = (v << 8) | buf[pos + i];
    pos += nbytes;
    v ^= mask & (nbytes == 4 ? 0xffffffffu : ((1u << (8 * nbytes)) - 1));
    if (v >= kPow10[digits])
      throw_error(Error::Kind::kCorrupt, "invalid DECIMAL({},{}) digit group {} at offset {}", precision, scale, v,
                  offset);
    return v;
  };

  // Digits: at most 65 plus point and sign.
  char text[80];
  size_t n = 0;
  auto put_digits = [&](uint32_t v, unsigned digits) {
    for (unsigned i = digits; i-- > 0;) {
      text[n + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    n += digits;
  };
  if (intg0x) put_digits(group(kDig2Bytes[intg0x], intg0x), intg0x);
  for (unsigned i = 0; i < intg0; ++i) put_digits(group(4, kDigitsPerGroup), kDigitsPerGroup);
  const size_t int_digits = n;
  for (unsigned i = 0; i < frac0; ++i) put_digits(group(4, kDigitsPerGroup), kDigitsPerGroup);
  if (frac0x) put_digits(group(kDig2Bytes[frac0x], frac0x), frac0x);

  size_t first = 0;
  while (first + 1 < int_digits && text[first] == '0') ++first;
  bool zero = true;
  for (size_t i = 0; i < n; ++i)
    if (text[i] != '0') zero = false;
  if (mask && !zero) out.push_back('-');
  if (int_digits == 0)
    out.push_back('0');
  else
    out.append(text + first, int_digits - first);
  if (scale) {
    out.push_back('.');
    out.append(text + int_digits, n - int_digits);
  }
}

}  // namespace galaxis::binlog::detail
