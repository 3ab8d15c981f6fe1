// open_beneath.h (private to fsmirror/src) — opening a path below a
// directory fd without following any symlink on the way: a source file the
// cycle copies (mirror.cc), a directory a scan task lists (scan.cc).
#pragma once

#include <string>

namespace galaxis::fsmirror {

// Opens `rel` (a relative path, rel_path.h) below `base_fd` with `flags`
// (O_NOFOLLOW and O_CLOEXEC added): openat2 with RESOLVE_NO_SYMLINKS |
// RESOLVE_BENEATH, or, on a kernel without openat2 (before 5.6), one
// component at a time with O_NOFOLLOW. Returns the fd, or -1 with errno
// (ELOOP or ENOTDIR where a symlink or a non-directory is in the way).
int open_beneath(int base_fd, const std::string& rel, int flags);

}  // namespace galaxis::fsmirror
