#include "galaxis/binlog/file_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "galaxis/binlog/events.h"
#include "galaxis/common/error.h"

namespace galaxis::binlog {

namespace {

constexpr size_t kReadBlock = 256 * 1024;
constexpr uint8_t kMagic[4] = {0xfe, 'b', 'i', 'n'};
constexpr uint8_t kEncryptedMagic[4] = {0xfd, 'b', 'i', 'n'};
constexpr uint8_t kStartEncryption = 164;

}  // namespace

BinlogFileReader::BinlogFileReader(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) throw_error(Error::Kind::kIo, "open {}: {}", path_, std::strerror(errno));
  // We read in large blocks into our own buffer; stdio's would only copy.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  uint8_t magic[4];
  const size_t n = std::fread(magic, 1, sizeof magic, file_);
  if (n != sizeof magic) {
    std::fclose(file_);
    file_ = nullptr;
    throw_error(Error::Kind::kCorrupt, "{}: not a binlog file: {} bytes, too short for the 4-byte magic at offset 0",
                path_, n);
  }
  if (std::memcmp(magic, kEncryptedMagic, 4) == 0) {
    std::fclose(file_);
    file_ = nullptr;
    throw_error(Error::Kind::kUnsupported,
                "{}: encrypted binlog (MySQL binlog_encryption, magic \\xfdbin at offset 0), not supported", path_);
  }
  if (std::memcmp(magic, kMagic, 4) != 0) {
    std::fclose(file_);
    file_ = nullptr;
    throw_error(Error::Kind::kCorrupt, "{}: not a binlog file: bad magic {:02x} {:02x} {:02x} {:02x} at offset 0",
                path_, magic[0], magic[1], magic[2], magic[3]);
  }
  buffer_offset_ = sizeof magic;
}

BinlogFileReader::~BinlogFileReader() {
  if (file_) std::fclose(file_);
}

uint64_t BinlogFileReader::file_size() {
  struct stat st {};
  if (::fstat(::fileno(file_), &st) != 0) throw_error(Error::Kind::kIo, "stat {}: {}", path_, std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

bool BinlogFileReader::fill(size_t wanted) {
  if (buffer_end_ - buffer_start_ >= wanted) return true;
  if (buffer_start_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + buffer_start_, buffer_end_ - buffer_start_);
    buffer_end_ -= buffer_start_;
    buffer_offset_ += buffer_start_;
    buffer_start_ = 0;
  }
  if (buffer_.size() < wanted || buffer_.size() < kReadBlock) buffer_.resize(std::max(wanted, kReadBlock));
  while (buffer_end_ < wanted && !eof_) {
    const size_t n = std::fread(buffer_.data() + buffer_end_, 1, buffer_.size() - buffer_end_, file_);
    buffer_end_ += n;
    if (n == 0) {
      if (std::ferror(file_))
        throw_error(Error::Kind::kIo, "read {} at offset {}: {}", path_, buffer_offset_ + buffer_end_,
                    std::strerror(errno));
      eof_ = true;
    }
  }
  return buffer_end_ >= wanted;
}

std::optional<RawEvent> BinlogFileReader::next() {
  const uint64_t offset = buffer_offset_ + buffer_start_;
  if (encryption_start_)
    throw_error(Error::Kind::kUnsupported,
                "{}: encrypted binlog: events from offset {} on follow MariaDB START_ENCRYPTION at offset {}, "
                "not supported",
                path_, offset, *encryption_start_);
  if (!fill(kEventHeaderLength)) {
    const size_t left = buffer_end_ - buffer_start_;
    if (left == 0) return std::nullopt;
    throw_error(Error::Kind::kCorrupt, "{}: truncated event header at offset {}: {} bytes left, a header has {}", path_,
                offset, left, kEventHeaderLength);
  }
  const uint8_t* h = buffer_.data() + buffer_start_;
  const uint32_t size = static_cast<uint32_t>(h[9]) | static_cast<uint32_t>(h[10]) << 8 |
                        static_cast<uint32_t>(h[11]) << 16 | static_cast<uint32_t>(h[12]) << 24;
  if (size < kEventHeaderLength)
    throw_error(Error::Kind::kCorrupt, "{}: event at offset {} (type {}) has invalid size {}", path_, offset, h[4],
                size);
  // Check the claimed size against the file before growing the buffer.
  if (size > buffer_end_ - buffer_start_ && offset + size > file_size())
    throw_error(Error::Kind::kCorrupt,
                "{}: truncated event at offset {} (type {}): header says {} bytes, the file "
                "has {} left",
                path_, offset, h[4], size, file_size() - offset);
  const uint8_t type = h[4];
  if (!fill(size))
    throw_error(Error::Kind::kCorrupt, "{}: truncated event at offset {} (type {}): header says {} bytes, only {} left",
                path_, offset, type, size, buffer_end_ - buffer_start_);
  RawEvent event{offset, std::span<const uint8_t>(buffer_.data() + buffer_start_, size)};
  buffer_start_ += size;
  if (type == kStartEncryption) encryption_start_ = offset;
  return event;
}

void BinlogFileReader::seek(uint64_t offset) {
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0)
    throw_error(Error::Kind::kIo, "seek {} to offset {}: {}", path_, offset, std::strerror(errno));
  buffer_start_ = buffer_end_ = 0;
  buffer_offset_ = offset;
  eof_ = false;
  encryption_start_.reset();
}

}  // namespace galaxis::binlog
