// galaxis/fsmirror/index.h — what was mirrored, kept in DEST/.galaxis-mirror/.
//
// The index lets a cycle compare the source scan with what the destination
// holds without touching the destination: a cycle with nothing changed only
// lstat()s the source. Per node it keeps the source's size, mtime, inode,
// mode, owner and (when known) content hash, plus symlink targets.
// It is written only after a complete cycle (atomically, temp + rename);
// a cycle that starts leaves a "dirty" flag that only a complete cycle
// removes, so after an interrupted run the next one rescans the destination
// instead of trusting a stale index (and removes temp leftovers on the way).
//
// Binary format (little endian), pure functions so they are unit-tested:
//   "GXMIDX1\n" u64 source_dev u64 sequence u64 count, then per entry:
//   u32 path_len, path, u8 type, u32 mode, u64 size, i64 mtime_ns, u64 inode,
//   u32 uid, u32 gid, u16 user_len, user, u16 group_len, group,
//   u32 target_len, target, 32 bytes hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/fsmirror/entry.h"

namespace galaxis::fsmirror {

struct Index {
  uint64_t source_dev = 0;     // st_dev of the source root at the last complete cycle (0 = unknown)
  uint64_t sequence = 0;       // complete cycles so far
  std::vector<Entry> entries;  // sorted by path
};

std::string serialize_index(const Index& index);
// Throws Error(kCorrupt) naming the offset on truncated or malformed input.
Index parse_index(std::string_view bytes);

// One entry record (the layout above, without the header): used by the
// --serve protocol too. read_entry checks the path (rel_path.h) and throws
// Error(kCorrupt) on malformed bytes; *consumed gets the record's length.
void append_entry(std::string& out, const Entry& entry);
Entry read_entry(std::string_view bytes, size_t* consumed = nullptr);

}  // namespace galaxis::fsmirror
