// galaxis/fsmirror/scan.h — walking a local tree with lstat semantics.
//
// The scanner never follows a symlink (fstatat AT_SYMLINK_NOFOLLOW, every
// directory opened with O_NOFOLLOW|O_DIRECTORY below the root: relative to
// its parent on one thread, by its path with openat2 RESOLVE_NO_SYMLINKS |
// RESOLVE_BENEATH from a task), so a link to /etc or ../../outside is
// reported as a link and nothing behind it is read. Kinds:
//  - regular files, directories, symlinks: reported;
//  - files with more than one hard link: reported as ordinary files (each
//    copied as its own file on the destination) and counted, because
//    skipping them would lose uploads on failover;
//  - sockets, FIFOs, devices: skipped and counted;
//  - names starting with the mirror's temp prefix, and the state folder
//    `.galaxis-mirror` at the root: never reported (they are ours);
//  - a node that vanishes while being scanned: skipped and counted (not an
//    error, like rsync's "vanished" files).
// Entries come out sorted by path bytes, so a directory precedes its contents.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "galaxis/fsmirror/entry.h"
#include "galaxis/fsmirror/exclude.h"

namespace galaxis::fsmirror {

inline constexpr const char* kStateDirName = ".galaxis-mirror";
inline constexpr const char* kTempPrefix = ".galaxis-tmp~";

struct ScanStats {
  uint64_t files = 0, dirs = 0, symlinks = 0, bytes = 0;
  uint64_t hardlinked = 0;    // regular files with st_nlink > 1 (copied as separate files)
  uint64_t special = 0;       // sockets, FIFOs, devices (skipped)
  uint64_t vanished = 0;      // gone between readdir and lstat (skipped)
  uint64_t temp_removed = 0;  // our temp leftovers removed (remove_temps)
};

struct ScanOptions {
  ExcludeSet excludes;
  bool owner_names = false;     // resolve uid/gid to names (root without --numeric-ids)
  bool hash_files = false;      // read every file and fill Entry::hash (--checksum)
  bool remove_temps = false;    // unlink temp leftovers found (destination side)
  size_t expected_entries = 0;  // capacity to reserve (e.g. the index's size): no regrowth moves
  // Directories scanned at once, one task each (1: depth-first on the
  // caller's thread). A scan is lstat-bound: 10,000 files are 10,000 fstatat
  // calls, which two cores share. The entries come out in the one-thread
  // walk's order, with no more memory than it needs.
  size_t threads = 4;
};

struct ScanResult {
  bool root_exists = false;
  dev_t root_dev = 0;
  Meta root_meta;              // the root directory's own mode, owner, mtime
  std::vector<Entry> entries;  // sorted by path; the root itself is not included
  ScanStats stats;
};

// Scans the tree under `root` (a directory; the root path itself is resolved
// normally, so it may be a symlink to the real folder).
// A missing root gives root_exists = false; other failures throw Error(kIo)
// naming the path.
ScanResult scan_tree(const std::string& root, const ScanOptions& options);

// SHA-256 of a whole file read through `fd` from its current offset.
ContentHash hash_fd(int fd);

// uid/gid -> name, cached ("" when the id has no name).
std::string user_name(uint32_t uid);
std::string group_name(uint32_t gid);

}  // namespace galaxis::fsmirror
