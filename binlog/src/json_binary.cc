#include "row_decoding.h"

namespace galaxis::binlog::detail {
std::string json_binary_to_text(std::span<const uint8_t>, uint64_t) {
  throw Error(Error::Kind::kUnsupported, "binary JSON decoding not yet implemented");
}
}  // namespace galaxis::binlog::detail
