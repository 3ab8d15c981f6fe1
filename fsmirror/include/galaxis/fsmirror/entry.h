// galaxis/fsmirror/entry.h — one node of a mirrored tree, as the mirror sees it.
//
// Paths are relative to the tree root, '/'-separated, never empty, never
// absolute, without '.'/'..' components (rel_path.h checks that); they are
// raw bytes (any byte but NUL and '/', so non-UTF-8 names are fine).
// Only three kinds of node are mirrored: regular files, directories and
// symlinks (the link itself, its target is never followed).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

namespace galaxis::fsmirror {

enum class NodeType : uint8_t { kFile = 1, kDir = 2, kSymlink = 3 };

const char* node_type_name(NodeType type);

// SHA-256 of a file's content; all zero = not known (never computed).
using ContentHash = std::array<uint8_t, 32>;
bool hash_known(const ContentHash& hash);

// Metadata that is mirrored onto the destination.
struct Meta {
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;     // permission bits incl. setuid/setgid/sticky (no S_IFMT)
  uint64_t size = 0;     // files: bytes; symlinks: target length; dirs: 0
  int64_t mtime_ns = 0;  // nanoseconds since the epoch
  uint32_t uid = 0;      // numeric owner on the source
  uint32_t gid = 0;
  std::string user;  // owner name on the source ("" = none / --numeric-ids)
  std::string group;
  std::string link_target;  // symlinks only: the raw target bytes

  bool same_content_meta(const Meta& other) const;  // type, size, mtime (and link target)
};

// A node of a scanned tree (source or destination) or of the index.
struct Entry {
  std::string path;
  Meta meta;
  uint64_t inode = 0;  // source inode when known (0 = unknown)
  ContentHash hash{};  // files: content hash when known
};

}  // namespace galaxis::fsmirror
