// galaxis/fsmirror/rel_path.h — relative paths inside a mirrored tree.
//
// Everything that names a node on the destination goes through
// check_rel_path() first: the writer (and the --serve side, whatever the
// peer sends) refuses empty, absolute, '.', '..', empty-component, NUL and
// over-long paths, so a path can never leave the destination root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace galaxis::fsmirror {

inline constexpr size_t kMaxPathBytes = 4096;  // PATH_MAX, what the kernel accepts anyway
inline constexpr size_t kMaxNameBytes = 255;   // NAME_MAX

// Throws Error(kCorrupt) naming the problem when `path` is not a safe
// relative path.
void check_rel_path(std::string_view path);

// The '/'-separated components of a checked path.
std::vector<std::string_view> split_rel_path(std::string_view path);

// "a/b/c" -> "a/b"; "c" -> "".
std::string_view parent_of(std::string_view path);
std::string_view base_name(std::string_view path);

// For messages and --dry-run lines: printable ASCII kept, everything else
// (newlines, non-UTF-8 bytes, backslash) as \xNN, so one path is one line.
std::string printable_path(std::string_view path);

}  // namespace galaxis::fsmirror
