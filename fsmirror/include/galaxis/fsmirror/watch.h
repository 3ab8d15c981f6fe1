// galaxis/fsmirror/watch.h — `mirror --watch`: cycles driven by inotify.
//
// inotify events are hints, never the truth: any event under SRC schedules
// a cycle, and a cycle is the same full compare as a one-shot run (source
// lstat walk vs DEST's index), so a missed event only delays a change until
// the next event or the periodic verify. Specifically:
//  - every source directory is watched (IN_DONT_FOLLOW); new directories are
//    watched after the next cycle's scan;
//  - IN_Q_OVERFLOW (more changes than the queue holds) -> warning, full
//    rescan; watches exhausted (fs.inotify.max_user_watches) -> warning,
//    then a full rescan every --settle seconds (at least 1 s), never an exit;
//  - a file is taken once it has not changed for --settle seconds, or at
//    once when inotify saw it closed after writing (IN_CLOSE_WRITE) and its
//    size+mtime are still those seen at the close; a file still being
//    written is re-checked after --settle seconds;
//  - every --verify-interval seconds a cycle scans DEST too (catches changes
//    made on DEST and anything the index missed);
//  - SIGTERM/SIGINT: the file being copied is abandoned (its temp removed),
//    no half file is published, and run_watch returns 0.
// A failing cycle (I/O error, guard refusal) is logged and retried on the
// next event or after 5 s (a dropped ssh connection is reconnected first);
// the completion marker's age tells how stale DEST is.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "galaxis/fsmirror/destination.h"
#include "galaxis/fsmirror/mirror.h"

namespace galaxis::fsmirror {

struct WatchOptions {
  double verify_interval_seconds = 3600;
  // Run a cycle at least this often even without events (0 = only on
  // events): keeps the completion marker and /health fresh while idle.
  double heartbeat_seconds = 0;
  // After a failed cycle whose error is retryable (a dropped ssh connection):
  // returns a freshly connected destination (may throw; retried after 5 s).
  std::function<Destination*()> reconnect;
  // Called after every cycle (also failed ones: result.complete false, error set).
  std::function<void(const CycleResult& result, const std::string& error)> on_cycle;
};

// Runs until *stop becomes true (the SIGTERM handler sets it). Returns 0.
int run_watch(Destination& dest, const MirrorOptions& options, const WatchOptions& watch, std::atomic<bool>* stop);

}  // namespace galaxis::fsmirror
