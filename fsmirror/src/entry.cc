// Small helpers of entry.h.
#include "galaxis/fsmirror/entry.h"

#include <algorithm>

namespace galaxis::fsmirror {

const char* node_type_name(NodeType type) {
  switch (type) {
    case NodeType::kFile: return "file";
    case NodeType::kDir: return "directory";
    case NodeType::kSymlink: return "symlink";
  }
  return "unknown";
}

bool hash_known(const ContentHash& hash) {
  return std::any_of(hash.begin(), hash.end(), [](uint8_t b) { return b != 0; });
}

bool Meta::same_content_meta(const Meta& other) const {
  return type == other.type && size == other.size && mtime_ns == other.mtime_ns && link_target == other.link_target;
}

}  // namespace galaxis::fsmirror
