// galaxis/binlog/decoder.h — turns the bytes of one event into an Event.
//
// The Decoder is stateful in the way a binlog stream is: it remembers the
// last FORMAT_DESCRIPTION (post-header lengths, checksum algorithm) and the
// TABLE_MAPs by table id so that row events can be decoded. Feed it every
// event of a stream in order, starting with the FDE (a stream without one
// gets the v4 defaults of MySQL 5.x and checksums off, and a clear error on
// the first event that needs more).
//
// Errors: malformed input throws Error(kCorrupt) whose message names the
// event type, the absolute offset of the event and of the faulty field.
// Nothing is partially returned. Not thread-safe; one Decoder per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "galaxis/binlog/events.h"

namespace galaxis::binlog {

struct DecoderOptions {
  bool verify_checksums = true;
  // Decode row values. When false, RowsEvent::rows stays empty (fast scans).
  bool decode_rows = true;
  // Name used in error messages ("binlog.000003", "mysql://…").
  std::string source_name;
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});

  // `bytes` is one whole event: header, body and (if the FDE says so) the
  // CRC32 trailer. `offset` is the event's position in its file.
  Event decode(std::span<const uint8_t> bytes, uint64_t offset);

  // Verifies the CRC32 trailer of one event under the current FDE (the FDE
  // itself is checked with its in-use flag 0x1 cleared). Throws on mismatch.
  void verify_checksum(std::span<const uint8_t> bytes, uint64_t offset) const;

  const FormatDescriptionEvent& format() const { return format_; }
  bool has_format() const { return has_format_; }
  // Bytes at the end of each event that are a checksum (0 or 4).
  size_t checksum_length() const;

  std::shared_ptr<const TableMap> table(uint64_t table_id) const;
  // Forget table maps (at a ROTATE or a new FDE, as the server does).
  void clear_tables() { tables_.clear(); }

  const DecoderOptions& options() const { return options_; }

 private:
  DecoderOptions options_;
  FormatDescriptionEvent format_;
  bool has_format_ = false;
  std::unordered_map<uint64_t, std::shared_ptr<const TableMap>> tables_;
};

}  // namespace galaxis::binlog
