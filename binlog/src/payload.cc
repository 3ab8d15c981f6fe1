// TRANSACTION_PAYLOAD (40): TLV header, then a zstd frame holding whole
// events without checksums. TransactionPayloadReader streams them out with
// ZSTD_decompressStream so memory follows the largest inner event.
#include "galaxis/binlog/payload.h"

#include <zstd.h>

#include <cstring>

#include "event_decoding.h"

namespace galaxis::binlog {

namespace detail {

TransactionPayloadEvent decode_transaction_payload(ByteReader& body) {
  constexpr uint64_t kPayloadSize = 1, kCompressionType = 2, kUncompressedSize = 3;
  TransactionPayloadEvent p;
  bool have_size = false;
  for_each_tlv_field(body, [&](uint64_t type, ByteReader& value) {
    if (type == kPayloadSize) {
      p.payload_size = value.packed_int("payload size");
      have_size = true;
    } else if (type == kCompressionType) {
      const uint64_t c = value.packed_int("compression type");
      if (c > 255) value.fail_value("compression type", c);
      p.compression = static_cast<uint8_t>(c);
    } else if (type == kUncompressedSize) {
      p.uncompressed_size = value.packed_int("uncompressed size");
    }
  });
  if (!have_size) p.payload_size = body.remaining();
  if (p.payload_size != body.remaining())
    throw_error(Error::Kind::kCorrupt, "TRANSACTION_PAYLOAD declares {} payload bytes but {} follow at offset {}",
                p.payload_size, body.remaining(), body.absolute_offset());
  if (p.compression != 0 && p.compression != 255)
    throw_error(Error::Kind::kUnsupported, "TRANSACTION_PAYLOAD compression type {} (only zstd and none exist)",
                p.compression);
  p.compressed = body.rest();
  return p;
}

}  // namespace detail

struct TransactionPayloadReader::Impl {
  const TransactionPayloadEvent* payload = nullptr;
  uint64_t offset = 0;
  ZSTD_DStream* stream = nullptr;
  ZSTD_inBuffer input{};
  std::vector<uint8_t> buffer;  // decompressed bytes: [start, end) not yet handed out
  size_t start = 0, end = 0;
  uint64_t produced = 0;    // total decompressed bytes
  bool input_done = false;  // the zstd frame is complete
  bool frame_finished = false;

  ~Impl() {
    if (stream) ZSTD_freeDStream(stream);
  }

  [[noreturn]] void corrupt(const std::string& why) const {
    throw_error(Error::Kind::kCorrupt, "TRANSACTION_PAYLOAD at offset {}: {}", offset, why);
  }

  // Makes at least `wanted` bytes available in buffer[start, end); false
  // when the payload ends first.
  bool fill(size_t wanted) {
    if (end - start >= wanted) return true;
    if (start > 0) {
      std::memmove(buffer.data(), buffer.data() + start, end - start);
      end -= start;
      start = 0;
    }
    // Grow only as decompressed bytes actually arrive: `wanted` comes from
    // an inner event's size field, and reserving it up front would let a
    // few corrupt bytes allocate up to 1 GiB before truncation is noticed.
    while (end < wanted) {
      if (end == buffer.size()) buffer.resize(buffer.size() * 2);
      if (payload->compression == 255) {
        const size_t n = std::min(buffer.size() - end, input.size - input.pos);
        if (n == 0) return false;
        std::memcpy(buffer.data() + end, static_cast<const uint8_t*>(input.src) + input.pos, n);
        input.pos += n;
        end += n;
        produced += n;
        continue;
      }
      if (frame_finished && input.pos == input.size) return false;
      ZSTD_outBuffer output{buffer.data(), buffer.size(), end};
      const size_t rc = ZSTD_decompressStream(stream, &output, &input);
      if (ZSTD_isError(rc)) corrupt(std::string("zstd: ") + ZSTD_getErrorName(rc));
      produced += output.pos - end;
      const bool progressed = output.pos != end;
      end = output.pos;
      if (rc == 0) {
        frame_finished = true;
        if (input.pos < input.size) corrupt("bytes after the end of the zstd frame");
      }
      if (!progressed && !frame_finished && input.pos == input.size) corrupt("zstd frame truncated");
    }
    return true;
  }
};

TransactionPayloadReader::TransactionPayloadReader(const TransactionPayloadEvent& payload, uint64_t payload_offset)
    : impl_(std::make_unique<Impl>()) {
  impl_->payload = &payload;
  impl_->offset = payload_offset;
  impl_->input = ZSTD_inBuffer{payload.compressed.data(), payload.compressed.size(), 0};
  impl_->buffer.resize(64 * 1024);
  if (payload.compression == 0) {
    impl_->stream = ZSTD_createDStream();
    if (!impl_->stream) throw Error(Error::Kind::kRuntime, "zstd: cannot create a decompression stream");
    ZSTD_initDStream(impl_->stream);
  } else if (payload.compression != 255) {
    throw_error(Error::Kind::kUnsupported, "TRANSACTION_PAYLOAD at offset {}: compression type {}", payload_offset,
                payload.compression);
  }
}

TransactionPayloadReader::~TransactionPayloadReader() = default;

std::optional<std::span<const uint8_t>> TransactionPayloadReader::next() {
  Impl& d = *impl_;
  if (!d.fill(kEventHeaderLength)) {
    if (d.end != d.start)
      d.corrupt(fmt::format("{} bytes after the last inner event, too few for an event header", d.end - d.start));
    if (d.payload->compression == 0 && !d.frame_finished) d.corrupt("zstd frame truncated");
    if (d.payload->uncompressed_size != 0 && d.produced != d.payload->uncompressed_size)
      d.corrupt(fmt::format("declared uncompressed size {} but the payload holds {} bytes",
                            d.payload->uncompressed_size, d.produced));
    return std::nullopt;
  }
  const uint8_t* h = d.buffer.data() + d.start;
  const uint32_t size = static_cast<uint32_t>(h[9]) | static_cast<uint32_t>(h[10]) << 8 |
                        static_cast<uint32_t>(h[11]) << 16 | static_cast<uint32_t>(h[12]) << 24;
  constexpr uint32_t kMaxInnerEvent = 1u << 30;  // max_allowed_packet's ceiling
  if (size < kEventHeaderLength || size > kMaxInnerEvent)
    d.corrupt(
        fmt::format("inner event at payload byte {} has impossible size {}", d.produced - (d.end - d.start), size));
  if (d.payload->uncompressed_size != 0 && size > d.payload->uncompressed_size)
    d.corrupt(fmt::format("inner event of {} bytes exceeds the declared uncompressed size {}", size,
                          d.payload->uncompressed_size));
  if (!d.fill(size)) d.corrupt(fmt::format("inner event of {} bytes truncated at the end of the payload", size));
  std::span<const uint8_t> out(d.buffer.data() + d.start, size);
  d.start += size;
  return out;
}

}  // namespace galaxis::binlog
