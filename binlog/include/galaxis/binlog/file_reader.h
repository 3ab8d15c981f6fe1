// galaxis/binlog/file_reader.h — read binlog files from disk, event by event.
//
// Checks the 4-byte magic (\xfebin; \xfdbin is MySQL's encrypted format and
// is refused clearly), then yields each event's raw bytes with its offset.
// Streams through a buffer sized by the largest event (at least one 256 KiB
// read block), never the file. A truncated final event is an error naming
// the file and offset. After a MariaDB START_ENCRYPTION event the next call
// throws Error(kUnsupported): the rest of the file is ciphertext.
// The reader only frames events; it does not verify checksums (Decoder does).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace galaxis::binlog {

struct RawEvent {
  uint64_t offset = 0;
  std::span<const uint8_t> bytes;  // valid until the next call to next()
};

class BinlogFileReader {
 public:
  // Throws Error(kIo) when the file cannot be opened, Error(kCorrupt) when
  // it does not start with the binlog magic.
  explicit BinlogFileReader(std::string path);
  ~BinlogFileReader();
  BinlogFileReader(const BinlogFileReader&) = delete;
  BinlogFileReader& operator=(const BinlogFileReader&) = delete;

  // Next event, or nullopt at a clean end of file.
  std::optional<RawEvent> next();
  // Continue reading at `offset` (must be an event boundary).
  void seek(uint64_t offset);

  const std::string& path() const { return path_; }

 private:
  bool fill(size_t wanted);
  uint64_t file_size();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<uint8_t> buffer_;
  size_t buffer_start_ = 0;     // first unconsumed byte in buffer_
  size_t buffer_end_ = 0;       // one past the last valid byte
  uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  bool eof_ = false;
  std::optional<uint64_t> encryption_start_;  // offset of a START_ENCRYPTION event
};

}  // namespace galaxis::binlog
