// galaxis/fsmirror/pipelined_destination.h — runs a Destination's writes on
// a thread of their own, so reading+hashing the next file overlaps writing,
// chmod/chown/utimes and renaming the previous one.
//
// Why: a local copy was one thread doing both halves; rsync runs a sender and
// a receiver process. On a loaded host (CPU shared with other jobs) a second
// runnable thread is a second share of the CPU, and it overlaps the write
// path's syscalls with the read path's.
//
// Semantics are those of the ssh destination (protocol.h): additions
// (make_dir, file data and commits, symlinks, metadata, begin_cycle) are
// queued in order (at most kMaxQueuedBytes of file data waiting); the first
// failure is kept, everything after it is skipped (nothing is written after a
// failure, no deletion follows a failed addition), and it is thrown from the
// caller's next call — once: when the queue has drained it is forgotten, so
// the next --watch cycle on the same destination starts clean. Calls that answer (open, load_index, scan,
// read_marker), remove and finish_cycle first wait for the queue to drain, so
// the completion marker is written only after every file is published. A file
// aborted or abandoned (SIGTERM) has its temp removed on the thread, in order.
#pragma once

#include <memory>

#include "galaxis/fsmirror/destination.h"

namespace galaxis::fsmirror {

std::unique_ptr<Destination> make_pipelined_destination(std::unique_ptr<Destination> inner);

}  // namespace galaxis::fsmirror
