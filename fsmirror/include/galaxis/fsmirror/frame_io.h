// galaxis/fsmirror/frame_io.h — sending and receiving protocol frames over a
// byte stream (a pipe pair for --serve, an SSH channel for the sender).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "galaxis/fsmirror/protocol.h"

namespace galaxis::fsmirror {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads at least one byte; 0 = end of stream. Throws Error(kNetwork/kIo).
  virtual size_t read_some(void* data, size_t size) = 0;
  virtual void write_all(const void* data, size_t size) = 0;
  virtual void flush() {}
};

// A pair of file descriptors (stdin/stdout of --serve), writes buffered.
class FdStream : public ByteStream {
 public:
  FdStream(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}
  ~FdStream() override;
  size_t read_some(void* data, size_t size) override;
  void write_all(const void* data, size_t size) override;
  void flush() override;

 private:
  int in_, out_;
  std::string buffer_;
};

struct Frame {
  protocol::FrameType type;
  std::string payload;  // decompressed
};

class FrameConnection {
 public:
  explicit FrameConnection(ByteStream& stream) : stream_(stream) {}
  // `compressible`: FILE_DATA payloads are zstd-compressed when that helps.
  // Returns whether the payload went compressed.
  bool send(protocol::FrameType type, std::string_view payload, bool compressible = false);
  // A large value as BLOB_PART frames + BLOB_END.
  void send_blob(std::string_view bytes);
  void flush() { stream_.flush(); }
  // Next frame; false at a clean end of stream (between frames). Throws
  // Error(kCorrupt) for a bad header or payload, Error(kNetwork) for a cut stream.
  bool receive(Frame* frame);
  // Reads BLOB_PART frames up to BLOB_END (total at most `max_bytes`).
  std::string receive_blob(size_t max_bytes);

 private:
  bool read_exact(void* data, size_t size, bool eof_ok);
  ByteStream& stream_;
  std::string scratch_;
};

}  // namespace galaxis::fsmirror
