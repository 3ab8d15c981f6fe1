#include "galaxis/relay/packet_io.h"

#include <gtest/gtest.h>

#include <cstring>

#include "galaxis/common/error.h"
#include "test_bytes.h"

namespace galaxis::relay {
namespace {

// A ByteStream over an in-memory buffer; reading past the end is an EOF.
class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::vector<uint8_t> input = {}) : input_(std::move(input)) {}
  void read_exact(uint8_t* out, size_t n) override {
    if (n > input_.size() - pos_) throw Error(Error::Kind::kNetwork, "unexpected EOF");
    std::memcpy(out, input_.data() + pos_, n);
    pos_ += n;
  }
  void write_all(std::span<const uint8_t> data) override { written.insert(written.end(), data.begin(), data.end()); }
  std::vector<uint8_t> written;

 private:
  std::vector<uint8_t> input_;
  size_t pos_ = 0;
};

TEST(PacketIo, ReadsOnePacketAndChecksSequence) {
  MemoryStream stream(test::hex("03 00 00 00 61 62 63  01 00 00 01 ff"));
  PacketChannel channel(stream);
  EXPECT_EQ(channel.read_packet(), test::hex("616263"));
  EXPECT_EQ(channel.read_packet(), test::hex("ff"));
  EXPECT_EQ(channel.sequence(), 2);
}

TEST(PacketIo, WrongSequenceIsAProtocolError) {
  MemoryStream stream(test::hex("01 00 00 05 00"));
  PacketChannel channel(stream);
  try {
    channel.read_packet();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("sequence id 5 where 0"), std::string::npos) << e.what();
  }
}

TEST(PacketIo, EmptyPacket) {
  MemoryStream stream(test::hex("00 00 00 00"));
  PacketChannel channel(stream);
  EXPECT_TRUE(channel.read_packet().empty());
}

TEST(PacketIo, TruncatedPacketIsNetworkError) {
  MemoryStream stream(test::hex("05 00 00 00 01 02"));
  PacketChannel channel(stream);
  try {
    channel.read_packet();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kNetwork);
  }
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return v;
}

TEST(PacketIo, FramesExactly16MiBMinusOneWithTrailingEmptyPacket) {
  const auto payload = pattern(kMaxPacketChunk);
  uint8_t seq = 3;
  auto framed = frame_packets(payload, &seq);
  ASSERT_EQ(framed.size(), kMaxPacketChunk + 8);
  EXPECT_EQ(framed[0], 0xff);
  EXPECT_EQ(framed[1], 0xff);
  EXPECT_EQ(framed[2], 0xff);
  EXPECT_EQ(framed[3], 3);
  // The terminating empty packet.
  EXPECT_EQ(std::vector<uint8_t>(framed.end() - 4, framed.end()), test::hex("00 00 00 04"));
  EXPECT_EQ(seq, 5);
}

TEST(PacketIo, ReassemblesMultiPacketPayloads) {
  for (size_t size : {size_t{0}, size_t{1}, kMaxPacketChunk - 1, kMaxPacketChunk, kMaxPacketChunk + 1,
                      2 * kMaxPacketChunk, 2 * kMaxPacketChunk + 12345}) {
    const auto payload = pattern(size);
    uint8_t seq = 0;
    auto framed = frame_packets(payload, &seq);
    const auto tail = test::hex("02 00 00 00 aa bb");
    framed.push_back(static_cast<uint8_t>(2));
    framed.push_back(0);
    framed.push_back(0);
    framed.push_back(seq);
    framed.push_back(0xaa);
    framed.push_back(0xbb);
    MemoryStream stream(framed);
    PacketChannel channel(stream);
    EXPECT_EQ(channel.read_packet(), payload) << size;
    EXPECT_EQ(channel.read_packet(), test::hex("aabb")) << size;
  }
}

TEST(PacketIo, RefusesPayloadOverLimit) {
  const auto payload = pattern(kMaxPacketChunk + 10);
  uint8_t seq = 0;
  MemoryStream stream(frame_packets(payload, &seq));
  PacketChannel channel(stream, kMaxPacketChunk);
  EXPECT_THROW(channel.read_packet(), Error);
}

TEST(PacketIo, WritesWithSequenceAndResets) {
  MemoryStream stream;
  PacketChannel channel(stream);
  channel.write_packet(test::hex("0e"));
  channel.write_packet(test::hex("0102"));
  channel.reset_sequence();
  channel.write_packet(test::hex("03"));
  EXPECT_EQ(stream.written, test::hex("01 00 00 00 0e  02 00 00 01 01 02  01 00 00 00 03"));
}

}  // namespace
}  // namespace galaxis::relay
