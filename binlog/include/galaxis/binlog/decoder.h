// galaxis/binlog/decoder.h — turns the bytes of one event into an Event.
//
// The Decoder is stateful in the way a binlog stream is: it remembers the
// last FORMAT_DESCRIPTION (post-header lengths, checksum algorithm) and the
// TABLE_MAPs by table id so that row events can be decoded. Feed it every
// event of a stream in order, starting with the FDE (a stream without one
// gets the v4 defaults of MySQL 5.x and checksums off, and a clear error on
// the first event that needs more).
//
// Errors: malformed input throws Error(kCorrupt) whose message reads
// "<source_name>: <type> event (type N) at offset X: <what> at offset Y"
// (Y = the faulty field's absolute offset). Valid input we cannot read
// (binlog v1, encrypted data after MariaDB START_ENCRYPTION, an unknown
// compression) throws Error(kUnsupported). An unknown type code BEFORE any
// FDE is kCorrupt (nothing says how to frame it); after one it decodes to
// OpaqueEvent{known_type=false}. A new FDE, START_V3 or ROTATE forgets the
// table maps. Nothing is partially returned; after a throw the Decoder is
// still usable for the next event. Events own their data except
// TransactionPayloadEvent::compressed, which views `bytes`.
// Not thread-safe; one Decoder per stream. Copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

  // An event from inside a TRANSACTION_PAYLOAD (TransactionPayloadReader):
  // no checksum trailer and nothing to verify. `payload_offset` is the
  // payload event's offset (inner events have no file position of their
  // own); it becomes Event::offset and appears in error messages. Uses and
  // updates the same state (table maps) as decode().
  Event decode_inner(std::span<const uint8_t> bytes, uint64_t payload_offset);

  // Verifies the CRC32 trailer of one event (the FDE itself is checked with
  // its in-use flag 0x1 cleared). Throws Error(kCorrupt) on mismatch. Call it
  // only for events the current format says carry a checksum.
  void verify_checksum(std::span<const uint8_t> bytes, uint64_t offset) const;

  const FormatDescriptionEvent& format() const { return format_; }
  bool has_format() const { return has_format_; }
  // Bytes at the end of each event that are a checksum (0 or 4).
  size_t checksum_length() const;

  // The TABLE_MAP last seen for `table_id`, or nullptr.
  std::shared_ptr<const TableMap> table(uint64_t table_id) const;
  // Forget table maps (at a ROTATE or a new FDE, as the server does).
  void clear_tables() {
    tables_.clear();
    decoded_maps_.clear();
  }

  const DecoderOptions& options() const { return options_; }

  // After a MariaDB START_ENCRYPTION event every further decode() throws
  // Error(kUnsupported): the rest of the file is ciphertext.
  bool encrypted() const { return encrypted_after_.has_value(); }

 private:
  Event decode_event(std::span<const uint8_t> bytes, uint64_t offset, bool inner);
  void decode_body(Event& event, std::span<const uint8_t> bytes, bool inner);
  void check_trailer(std::span<const uint8_t> bytes, uint64_t offset) const;
  static bool checksum_matches(std::span<const uint8_t> bytes, uint32_t& stored, uint32_t& computed);
  // "<source>: <type name> event (type N) at offset X" for error messages.
  std::string where(uint8_t type_code, uint64_t offset) const;

  DecoderOptions options_;
  FormatDescriptionEvent format_;
  bool has_format_ = false;
  std::unordered_map<uint64_t, std::shared_ptr<const TableMap>> tables_;
  // TABLE_MAP bodies already decoded under the current format, by their
  // bytes: a source repeats the same map before every row event of a table,
  // so an identical body reuses the decoded (immutable) map instead of
  // decoding it again, and consumers' per-map caches keep hitting (same
  // pointer, same content). Cleared with tables_; bounded.
  // Looked up by a view of the event's bytes: a hit allocates nothing.
  struct BodyHash {
    using is_transparent = void;
    size_t operator()(std::string_view body) const { return std::hash<std::string_view>{}(body); }
  };
  std::unordered_map<std::string, std::shared_ptr<const TableMap>, BodyHash, std::equal_to<>> decoded_maps_;
  std::optional<uint64_t> encrypted_after_;  // offset of START_ENCRYPTION
};

}  // namespace galaxis::binlog
