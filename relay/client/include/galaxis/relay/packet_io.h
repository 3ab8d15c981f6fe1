// galaxis/relay/packet_io.h — MySQL protocol packet framing.
//
// Every protocol packet is a 3-byte little-endian payload length, a 1-byte
// sequence id and the payload. A payload of 2^24-1 bytes or more is split
// into 0xFFFFFF-byte packets followed by a shorter (possibly empty) one;
// PacketChannel reassembles them into one logical payload (binlog events
// can be up to 1 GiB). Sequence ids count up per packet within a command and
// are reset by the caller before each new command (reset_sequence()); a
// packet whose id is not the expected one is a protocol error.
//
// PacketChannel reads and writes through a ByteStream so tests can feed it
// byte literals; the network implementation is Transport (transport.h),
// which owns the deadlines. Errors: a stream failure propagates (kNetwork);
// a bad sequence id or an over-limit payload throws Error(kCorrupt).
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace galaxis::relay {

inline constexpr size_t kMaxPacketChunk = 0xFFFFFF;

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads exactly `n` bytes into `out` or throws (Error kNetwork on EOF/timeout).
  virtual void read_exact(uint8_t* out, size_t n) = 0;
  virtual void write_all(std::span<const uint8_t> data) = 0;
};

// Splits `payload` into framed packets starting at sequence id `*sequence`
// (advanced past the last one). Pure; used by PacketChannel and tests.
std::vector<uint8_t> frame_packets(std::span<const uint8_t> payload, uint8_t* sequence);

class PacketChannel {
 public:
  // `max_payload` bounds a reassembled payload; larger is Error(kCorrupt).
  explicit PacketChannel(ByteStream& stream, size_t max_payload = (size_t{1} << 30) + 4096)
      : stream_(&stream), max_payload_(max_payload) {}

  // Reads one logical packet into `out` (replacing its content).
  void read_packet(std::vector<uint8_t>& out);
  std::vector<uint8_t> read_packet() {
    std::vector<uint8_t> out;
    read_packet(out);
    return out;
  }
  void write_packet(std::span<const uint8_t> payload);

  void reset_sequence() { sequence_ = 0; }
  uint8_t sequence() const { return sequence_; }
  void set_stream(ByteStream& stream) { stream_ = &stream; }

 private:
  ByteStream* stream_;
  size_t max_payload_;
  uint8_t sequence_ = 0;
};

}  // namespace galaxis::relay
