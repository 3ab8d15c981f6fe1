// Helpers for relay unit tests: hex literals to bytes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace galaxis::relay::test {

inline std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  int half = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;  // spaces and separators
    if (half < 0) {
      half = v;
    } else {
      out.push_back(static_cast<uint8_t>(half << 4 | v));
      half = -1;
    }
  }
  if (half >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

}  // namespace galaxis::relay::test
