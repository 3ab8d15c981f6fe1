// galaxis/binlog/payload.h — iterate the events inside a TRANSACTION_PAYLOAD.
//
// Decompresses incrementally (zstd streaming), so memory is bounded by the
// largest inner event, not by the transaction. Inner events have no checksum
// and log_pos 0; callers give them the payload event's positions.
// Throws Error(kCorrupt) on bad compressed data, a size mismatch with the
// declared uncompressed size, or an inner event truncated at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "galaxis/binlog/events.h"

namespace galaxis::binlog {

class TransactionPayloadReader {
 public:
  // `payload` must stay alive while the reader is used.
  TransactionPayloadReader(const TransactionPayloadEvent& payload, uint64_t payload_offset);
  ~TransactionPayloadReader();
  TransactionPayloadReader(const TransactionPayloadReader&) = delete;
  TransactionPayloadReader& operator=(const TransactionPayloadReader&) = delete;

  // The next inner event's bytes (valid until the next call), or nullopt at
  // the end. Pass them to Decoder::decode with checksum verification off for
  // inner events (they carry none).
  std::optional<std::span<const uint8_t>> next();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace galaxis::binlog
