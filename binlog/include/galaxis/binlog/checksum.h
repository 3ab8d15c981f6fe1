// galaxis/binlog/checksum.h — CRC32 (ISO-HDLC, as zlib's crc32) of binlog events.
#pragma once

#include <cstdint>
#include <span>

namespace galaxis::binlog {

// Carry-less-multiply folding where the CPU has PCLMULQDQ (run-time check),
// slice-by-16 tables otherwise and for the last < 16 bytes (binlog/src/checksum.cc).
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

namespace detail {
// The table version alone (the oracle of the folding code's tests) and
// whether crc32() folds with PCLMULQDQ on this CPU.
uint32_t crc32_tables(std::span<const uint8_t> data, uint32_t crc = 0);
bool crc32_uses_clmul();
}  // namespace detail

}  // namespace galaxis::binlog
