// CRC32 through zlib: Debian's zlib 1.2.13 uses the braided (multi-word)
// table algorithm, several GB/s on one core, far above what event decoding
// needs (see the checksum benchmark test); no reason to carry our own.
#include "galaxis/binlog/checksum.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace galaxis::binlog {

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  uLong value = crc;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const size_t chunk = std::min<size_t>(left, std::numeric_limits<uInt>::max());
    value = ::crc32(value, p, static_cast<uInt>(chunk));
    p += chunk;
    left -= chunk;
  }
  return static_cast<uint32_t>(value);
}

}  // namespace galaxis::binlog
