#include "galaxis/relay/packet_io.h"

#include "galaxis/common/error.h"

namespace galaxis::relay {

std::vector<uint8_t> frame_packets(std::span<const uint8_t> payload, uint8_t* sequence) {
  std::vector<uint8_t> out;
  out.reserve(payload.size() + 4 * (payload.size() / kMaxPacketChunk + 1));
  size_t pos = 0;
  while (true) {
    const size_t chunk = std::min(kMaxPacketChunk, payload.size() - pos);
    out.push_back(static_cast<uint8_t>(chunk));
    out.push_back(static_cast<uint8_t>(chunk >> 8));
    out.push_back(static_cast<uint8_t>(chunk >> 16));
    out.push_back((*sequence)++);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(pos),
               payload.begin() + static_cast<std::ptrdiff_t>(pos + chunk));
    pos += chunk;
    // A full-size chunk is always followed by another packet, if need be empty.
    if (chunk < kMaxPacketChunk) break;
  }
  return out;
}

void PacketChannel::read_packet(std::vector<uint8_t>& out) {
  out.clear();
  while (true) {
    uint8_t header[4];
    stream_->read_exact(header, 4);
    const size_t length = header[0] | (size_t{header[1]} << 8) | (size_t{header[2]} << 16);
    if (header[3] != sequence_) {
      throw_error(Error::Kind::kCorrupt, "protocol error: packet sequence id {} where {} was expected", header[3],
                  sequence_);
    }
    ++sequence_;
    if (out.size() + length > max_payload_) {
      throw_error(Error::Kind::kCorrupt, "protocol error: packet of more than {} bytes (limit {})", out.size() + length,
                  max_payload_);
    }
    const size_t old = out.size();
    out.resize(old + length);
    if (length > 0) stream_->read_exact(out.data() + old, length);
    if (length < kMaxPacketChunk) return;
  }
}

void PacketChannel::write_packet(std::span<const uint8_t> payload) {
  auto framed = frame_packets(payload, &sequence_);
  stream_->write_all(framed);
}

}  // namespace galaxis::relay
