#include "galaxis/binlog/byte_reader.h"

namespace galaxis::binlog {

void ByteReader::fail(std::string_view what, size_t wanted) const {
  throw_error(Error::Kind::kCorrupt, "truncated {} at offset {}: need {} bytes, {} left", what, absolute_offset(),
              wanted, remaining());
}

void ByteReader::fail_value(std::string_view what, uint64_t value) const {
  throw_error(Error::Kind::kCorrupt, "invalid {} (value {}) at offset {}", what, value, absolute_offset());
}

}  // namespace galaxis::binlog
