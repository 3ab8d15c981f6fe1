// Frame I/O (frame_io.h).
#include "galaxis/fsmirror/frame_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {

using protocol::FrameType;

FdStream::~FdStream() {
  try {
    flush();
  } catch (const Error&) {
    // The peer is gone; nothing left to tell it.
  }
}

size_t FdStream::read_some(void* data, size_t size) {
  flush();  // never wait for an answer with our request still in the buffer
  while (true) {
    const ssize_t n = ::read(in_, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw_error(Error::Kind::kIo, "read: {}", std::strerror(errno));
  }
}

void FdStream::write_all(const void* data, size_t size) {
  buffer_.append(static_cast<const char*>(data), size);
  if (buffer_.size() >= (1 << 16)) flush();
}

void FdStream::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(out_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      buffer_.clear();
      throw_error(Error::Kind::kIo, "write: {}", std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
}

bool FrameConnection::send(FrameType type, std::string_view payload, bool compressible) {
  uint8_t flags = 0;
  if (compressible && protocol::compress(payload, &scratch_)) {
    payload = scratch_;
    flags = 1;
  }
  if (payload.size() > protocol::kMaxFrame) {
    throw_error(Error::Kind::kRuntime, "frame {} of {} bytes is too long", protocol::frame_type_name(type),
                payload.size());
  }
  const std::string header = protocol::encode_header(type, flags, static_cast<uint32_t>(payload.size()));
  stream_.write_all(header.data(), header.size());
  stream_.write_all(payload.data(), payload.size());
  return flags != 0;
}

void FrameConnection::send_blob(std::string_view bytes) {
  constexpr size_t kPart = 1 << 20;
  for (size_t off = 0; off < bytes.size(); off += kPart) send(FrameType::kBlobPart, bytes.substr(off, kPart), true);
  send(FrameType::kBlobEnd, "");
}

bool FrameConnection::read_exact(void* data, size_t size, bool eof_ok) {
  size_t done = 0;
  while (done < size) {
    const size_t n = stream_.read_some(static_cast<char*>(data) + done, size - done);
    if (n == 0) {
      if (done == 0 && eof_ok) return false;
      throw_error(Error::Kind::kNetwork, "the peer closed the stream in the middle of a frame");
    }
    done += n;
  }
  return true;
}

bool FrameConnection::receive(Frame* frame) {
  char header[protocol::kHeaderSize];
  if (!read_exact(header, sizeof(header), true)) return false;
  const protocol::FrameHeader h = protocol::parse_header(std::string_view(header, sizeof(header)));
  std::string payload(h.length, '\0');
  read_exact(payload.data(), payload.size(), false);
  frame->type = h.type;
  frame->payload = h.flags & 1 ? protocol::decompress(payload, protocol::kMaxFrame) : std::move(payload);
  return true;
}

std::string FrameConnection::receive_blob(size_t max_bytes) {
  std::string out;
  Frame frame;
  while (true) {
    if (!receive(&frame)) throw_error(Error::Kind::kNetwork, "the peer closed the stream inside a blob");
    if (frame.type == FrameType::kBlobEnd) return out;
    if (frame.type == FrameType::kError) {
      // An error instead of the blob: let the caller's answer handling report it.
      throw_error(Error::Kind::kRuntime, "{}", frame.payload.size() > 1 ? frame.payload.substr(1) : "error");
    }
    if (frame.type != FrameType::kBlobPart) {
      throw_error(Error::Kind::kCorrupt, "expected BLOB_PART, got {}", protocol::frame_type_name(frame.type));
    }
    if (out.size() + frame.payload.size() > max_bytes) {
      throw_error(Error::Kind::kCorrupt, "blob longer than {} bytes", max_bytes);
    }
    out += frame.payload;
  }
}

}  // namespace galaxis::fsmirror
