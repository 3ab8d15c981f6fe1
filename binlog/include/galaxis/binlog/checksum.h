// galaxis/binlog/checksum.h — CRC32 (ISO-HDLC, as zlib's crc32) of binlog events.
#pragma once

#include <cstdint>
#include <span>

namespace galaxis::binlog {

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace galaxis::binlog
