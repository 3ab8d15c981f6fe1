// Decoder: framing, checksum verification and dispatch to the per-family
// decoders. Keeps the stream state (FDE, table maps, encryption).
#include "galaxis/binlog/decoder.h"

#include <fmt/format.h>

#include "event_decoding.h"
#include "galaxis/binlog/checksum.h"

namespace galaxis::binlog {

namespace {

constexpr uint16_t kBinlogInUseFlag = 0x1;

EventHeader parse_header(std::span<const uint8_t> bytes) {
  // Caller checked bytes.size() >= kEventHeaderLength.
  auto le32 = [&](size_t at) {
    return static_cast<uint32_t>(bytes[at]) | static_cast<uint32_t>(bytes[at + 1]) << 8 |
           static_cast<uint32_t>(bytes[at + 2]) << 16 | static_cast<uint32_t>(bytes[at + 3]) << 24;
  };
  EventHeader h;
  h.timestamp = le32(0);
  h.type_code = bytes[4];
  h.server_id = le32(5);
  h.event_size = le32(9);
  h.next_position = le32(13);
  h.flags = static_cast<uint16_t>(bytes[17] | bytes[18] << 8);
  return h;
}

bool is_rows_type(uint8_t code) { return (code >= 20 && code <= 25) || (code >= 30 && code <= 32) || code == 39; }

}  // namespace

Decoder::Decoder(DecoderOptions options) : options_(std::move(options)), format_(detail::default_v4_format()) {}

size_t Decoder::checksum_length() const { return format_.checksum == ChecksumAlgorithm::kCrc32 ? kChecksumLength : 0; }

std::shared_ptr<const TableMap> Decoder::table(uint64_t table_id) const {
  auto it = tables_.find(table_id);
  return it == tables_.end() ? nullptr : it->second;
}

std::string Decoder::where(uint8_t type_code, uint64_t offset) const {
  if (options_.source_name.empty())
    return fmt::format("{} event (type {}) at offset {}", event_type_name(type_code), type_code, offset);
  return fmt::format("{}: {} event (type {}) at offset {}", options_.source_name, event_type_name(type_code), type_code,
                     offset);
}

bool Decoder::checksum_matches(std::span<const uint8_t> bytes, uint32_t& stored, uint32_t& computed) {
  const size_t data_len = bytes.size() - kChecksumLength;
  if (bytes[4] == static_cast<uint8_t>(EventType::kFormatDescription) && (bytes[17] & kBinlogInUseFlag)) {
    // The server computes the FDE checksum with LOG_EVENT_BINLOG_IN_USE_F
    // clear and sets the flag in place afterwards.
    const uint8_t cleared = static_cast<uint8_t>(bytes[17] & ~kBinlogInUseFlag);
    computed = crc32(bytes.first(17));
    computed = crc32(std::span<const uint8_t>(&cleared, 1), computed);
    computed = crc32(bytes.subspan(18, data_len - 18), computed);
  } else {
    computed = crc32(bytes.first(data_len));
  }
  stored = static_cast<uint32_t>(bytes[data_len]) | static_cast<uint32_t>(bytes[data_len + 1]) << 8 |
           static_cast<uint32_t>(bytes[data_len + 2]) << 16 | static_cast<uint32_t>(bytes[data_len + 3]) << 24;
  return stored == computed;
}

void Decoder::verify_checksum(std::span<const uint8_t> bytes, uint64_t offset) const {
  if (bytes.size() < kEventHeaderLength + kChecksumLength)
    throw_error(Error::Kind::kCorrupt, "{}event at offset {}: too short ({} bytes) to carry a checksum",
                options_.source_name.empty() ? "" : options_.source_name + ": ", offset, bytes.size());
  try {
    check_trailer(bytes, offset);
  } catch (Error& e) {
    e.add_context(where(bytes[4], offset));
    throw;
  }
}

Event Decoder::decode(std::span<const uint8_t> bytes, uint64_t offset) { return decode_event(bytes, offset, false); }

Event Decoder::decode_inner(std::span<const uint8_t> bytes, uint64_t payload_offset) {
  return decode_event(bytes, payload_offset, true);
}

Event Decoder::decode_event(std::span<const uint8_t> bytes, uint64_t offset, bool inner) {
  if (bytes.size() < kEventHeaderLength)
    throw_error(Error::Kind::kCorrupt, "{}event at offset {}: {} bytes, shorter than the {}-byte event header",
                options_.source_name.empty() ? "" : options_.source_name + ": ", offset, bytes.size(),
                kEventHeaderLength);
  if (encrypted_after_)
    throw_error(Error::Kind::kUnsupported,
                "{}event at offset {}: encrypted binlog (MariaDB START_ENCRYPTION at offset {}), not supported",
                options_.source_name.empty() ? "" : options_.source_name + ": ", offset, *encrypted_after_);

  Event event;
  event.offset = offset;
  event.header = parse_header(bytes);
  const uint8_t code = event.header.type_code;
  if (event.header.event_size != bytes.size())
    throw_error(Error::Kind::kCorrupt, "{}: header says {} bytes but the event has {}", where(code, offset),
                event.header.event_size, bytes.size());

  try {
    decode_body(event, bytes, inner);
  } catch (Error& e) {
    e.add_context(where(code, offset));
    throw;
  }
  return event;
}

void Decoder::decode_body(Event& event, std::span<const uint8_t> bytes, bool inner) {
  const uint8_t code = event.header.type_code;
  const uint64_t offset = event.offset;
  // Captures only `this`: fits std::function's small buffer, no allocation.
  const detail::TableLookup lookup = [this](uint64_t table_id) { return table(table_id); };

  if (code == static_cast<uint8_t>(EventType::kFormatDescription)) {
    FormatDescriptionEvent fde = detail::decode_format_description(bytes, offset);
    if (!inner && options_.verify_checksums && fde.checksum == ChecksumAlgorithm::kCrc32) check_trailer(bytes, offset);
    format_ = fde;
    has_format_ = true;
    clear_tables();
    event.body = std::move(fde);
    return;
  }

  if (code == static_cast<uint8_t>(EventType::kStartV3)) {
    if (bytes.size() >= 15 && bytes[13] == 1 && bytes[14] == 0)
      throw Error(Error::Kind::kUnsupported, "binlog format v1 (MySQL 3.23, 13-byte headers) is not supported");
    ByteReader body(bytes.subspan(kEventHeaderLength), offset + kEventHeaderLength);
    FormatDescriptionEvent start = detail::decode_start_v3(body);
    if (start.binlog_version == 1)
      throw Error(Error::Kind::kUnsupported, "binlog format v1 (MySQL 3.23) is not supported");
    format_ = start;
    has_format_ = true;
    clear_tables();
    event.body = std::move(start);
    return;
  }

  const size_t trailer = inner ? 0 : checksum_length();
  const size_t header_length = format_.header_length;
  if (bytes.size() < header_length + trailer)
    throw_error(Error::Kind::kCorrupt, "{} bytes cannot hold the {}-byte header and {}-byte checksum", bytes.size(),
                header_length, trailer);
  if (trailer && options_.verify_checksums) check_trailer(bytes, offset);
  ByteReader body(bytes.subspan(header_length, bytes.size() - header_length - trailer), offset + header_length);

  switch (static_cast<EventType>(code)) {
    case EventType::kQuery: event.body = detail::decode_query(body, format_, false); return;
    case EventType::kMariaQueryCompressed: event.body = detail::decode_query(body, format_, true); return;
    case EventType::kRotate:
      event.body = detail::decode_rotate(body, format_);
      clear_tables();
      return;
    case EventType::kXid: event.body = detail::decode_xid(body); return;
    case EventType::kXaPrepare: event.body = detail::decode_xa_prepare(body); return;
    case EventType::kGtid:
    case EventType::kAnonymousGtid: event.body = detail::decode_gtid(body, code); return;
    case EventType::kGtidTagged: event.body = detail::decode_gtid_tagged(body); return;
    case EventType::kPreviousGtids: event.body = detail::decode_previous_gtids(body); return;
    case EventType::kMariaGtid: event.body = detail::decode_maria_gtid(body); return;
    case EventType::kMariaGtidList: event.body = detail::decode_maria_gtid_list(body); return;
    case EventType::kMariaBinlogCheckpoint: event.body = detail::decode_maria_binlog_checkpoint(body); return;
    case EventType::kMariaAnnotateRows: event.body = detail::decode_annotate_rows(body); return;
    case EventType::kRowsQuery: event.body = detail::decode_rows_query(body); return;
    case EventType::kHeartbeat: event.body = detail::decode_heartbeat_v1(body); return;
    case EventType::kHeartbeatV2: event.body = detail::decode_heartbeat_v2(body); return;
    case EventType::kIncident: event.body = detail::decode_incident(body); return;
    case EventType::kIntvar: event.body = detail::decode_intvar(body); return;
    case EventType::kRand: event.body = detail::decode_rand(body); return;
    case EventType::kUserVar: event.body = detail::decode_user_var(body); return;
    case EventType::kStop: event.body = StopEvent{}; return;
    case EventType::kMariaStartEncryption:
      event.body = detail::decode_start_encryption(body);
      if (!inner) encrypted_after_ = offset;
      return;
    case EventType::kTransactionPayload: event.body = detail::decode_transaction_payload(body); return;
    case EventType::kTableMap: {
      const auto raw = bytes.subspan(header_length, bytes.size() - header_length - trailer);
      const std::string_view key(reinterpret_cast<const char*>(raw.data()), raw.size());
      auto known = decoded_maps_.find(key);
      if (known == decoded_maps_.end()) {
        if (decoded_maps_.size() >= 4096) decoded_maps_.clear();
        known = decoded_maps_.emplace(std::string(key), detail::decode_table_map(body, format_)).first;
      }
      tables_[known->second->table_id] = known->second;
      event.body = known->second;
      return;
    }
    case EventType::kMariaWriteRowsCompressedV1:
    case EventType::kMariaUpdateRowsCompressedV1:
    case EventType::kMariaDeleteRowsCompressedV1:
    case EventType::kMariaWriteRowsCompressed:
    case EventType::kMariaUpdateRowsCompressed:
    case EventType::kMariaDeleteRowsCompressed:
      event.body = detail::decode_maria_compressed_rows(body, code, format_, lookup, options_.decode_rows);
      return;
    default: break;
  }
  if (is_rows_type(code)) {
    event.body = detail::decode_rows(body, code, format_, lookup, options_.decode_rows);
    return;
  }
  const bool known = event_type_name(code).substr(0, 8) != "unknown_";
  if (!known && !has_format_)
    throw Error(Error::Kind::kCorrupt,
                "unknown event type before any FORMAT_DESCRIPTION event: not a binlog stream we can read");
  event.body = OpaqueEvent{known};
}

void Decoder::check_trailer(std::span<const uint8_t> bytes, uint64_t offset) const {
  // Precondition: bytes.size() >= kEventHeaderLength + kChecksumLength.
  uint32_t stored = 0, computed = 0;
  if (!checksum_matches(bytes, stored, computed))
    throw_error(Error::Kind::kCorrupt, "checksum mismatch: stored CRC32 {:08x}, computed {:08x} (trailer at offset {})",
                stored, computed, offset + bytes.size() - kChecksumLength);
}

}  // namespace galaxis::binlog
