// galaxis/fsmirror/mirror.h — one mirror cycle: scan, plan, guard, copy, delete, mark.
//
// run_cycle() is the whole of `galaxis-relay mirror SRC DEST` without
// --watch, and one iteration of it with --watch:
//  1. scan SRC (lstat only; hashes too under --checksum);
//  2. the destination's view: its index when the last cycle completed
//     (a no-change cycle touches nothing else), else a scan of DEST;
//  3. plan (plan.h), then the delete guard (guard.h): refused -> nothing
//     written, CycleResult::refused;
//  4. copy: directories, files (temp + rename each, settled ones only),
//     symlinks, metadata; then deletions; then directory mtimes;
//  5. when every node made it: save the index and the completion marker
//     (sequence, time, files, bytes, source host) on DEST.
// A source file is read with fstat before and after: if its size, mtime or
// ctime changed while it was read, the copy is discarded and read again
// (a few times, then left for the next cycle); it is never published torn.
// A file modified less than --settle seconds ago is deferred until it has
// been stable that long (one-shot: the cycle waits; --watch: next cycle).
// Into a local directory, files are copied on MirrorOptions::copy_threads
// threads (task_pool.h): a 3% cycle is hundreds of small replaces, each a
// few syscalls that wait on the file system more than they compute.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "galaxis/fsmirror/destination.h"
#include "galaxis/fsmirror/exclude.h"
#include "galaxis/fsmirror/guard.h"
#include "galaxis/fsmirror/plan.h"
#include "galaxis/fsmirror/scan.h"

namespace galaxis::fsmirror {

struct MirrorOptions {
  std::string source;
  std::vector<std::string> excludes;
  bool checksum = false;
  bool delete_extra = false;
  bool dry_run = false;
  bool force_delete = false;
  bool owners = false;  // mirror owner/group (default: when running as root)
  bool numeric_ids = false;
  bool verify = false;  // scan DEST instead of trusting the index
  MaxDelete max_delete;
  double settle_seconds = 2;
  double settle_wait_max_seconds = 60;    // one-shot: longest wait for unsettled files
  bool progress = false;                  // progress lines on stderr for long cycles
  uint64_t bwlimit_bytes_per_second = 0;  // --bwlimit (0 = unlimited), like rsync's
  // Files copied at once when the destination allows it (a local directory:
  // Destination::concurrent_file_sinks()) and --bwlimit is off; 1 = one after
  // another. Each file is still read, checked and published whole by one
  // thread; deletions, symlinks and metadata wait for every copy before them.
  size_t copy_threads = 4;
  // --watch: files inotify saw closed after writing, with the size and mtime
  // they had then; such a file skips the settle wait while they still match.
  struct ClosedFile {
    uint64_t size;
    int64_t mtime_ns;
  };
  const std::unordered_map<std::string, ClosedFile>* closed_files = nullptr;
  // Reads pending inotify events into *closed_files. Called after a file
  // taken through that fast path was read: a write that finished before the
  // read has queued its IN_MODIFY by then, which drops the entry, and the
  // copy is discarded (the entry recorded at the close may already have seen
  // the next write's bytes).
  std::function<void()> refresh_closed_files;
  // Called with the source scan (the watcher adds watches for its directories).
  std::function<void(const ScanResult&)> on_source_scanned;
  // Set by a signal handler: abandon the file being copied and stop.
  const std::atomic<bool>* stop = nullptr;
  // --dry-run lines ("+ file path" ...); default prints to stdout.
  std::function<void(const std::string&)> dry_run_line;
};

struct CycleResult {
  bool refused = false;
  std::string refusal;
  bool complete = false;  // every planned step done, marker written
  uint64_t sequence = 0;  // marker sequence after this cycle
  PlanCounts planned;
  ScanStats source_stats;
  uint64_t files_copied = 0, bytes_copied = 0, symlinks_made = 0, dirs_made = 0, meta_set = 0, deleted = 0;
  uint64_t reread = 0;     // copies discarded because the file changed while being read
  uint64_t unsettled = 0;  // files left for a later cycle (still being written)
  uint64_t vanished = 0;   // source nodes gone before they were copied (not an error)
  double seconds = 0;
  std::vector<std::string> warnings;
};

// The scan options of the source side of a cycle (excludes, owner names, hashes).
ScanOptions source_scan_options(const MirrorOptions& options);

// Starts the source scan of a cycle on a thread of its own. The scan does not
// depend on the destination, so it can overlap what the cycle waits for
// first: the SSH handshake and the far side's start-up (the one-shot command
// starts it before connecting), the index load. Its Error comes out of get().
std::future<ScanResult> start_source_scan(const MirrorOptions& options);

// Runs one cycle from options.source into `dest` (already open()ed unless
// dry-run). Throws Error on I/O failure (DEST then holds complete files only).
// `prescan`: a scan from start_source_scan(options) begun earlier; without
// one, the cycle scans after loading the index.
CycleResult run_cycle(Destination& dest, const MirrorOptions& options, std::future<ScanResult> prescan = {});

// The JSON summary printed by --json.
std::string cycle_json(const CycleResult& result, const MirrorOptions& options, const std::string& dest);

}  // namespace galaxis::fsmirror
