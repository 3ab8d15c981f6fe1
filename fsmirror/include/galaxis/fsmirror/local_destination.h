// galaxis/fsmirror/local_destination.h — Destination on a local directory.
//
// Layout: ROOT/... the mirrored tree, ROOT/.galaxis-mirror/ the state:
// `index` (index.h), `complete.json` (the completion marker: sequence, time,
// files, bytes, source host), `dirty` (a cycle is in progress) and `lock`
// (flock, one mirror per destination). Temp files are named
// `.galaxis-tmp~<16 hex>` in the directory of their final name; a scan
// removes leftovers. Also used by the --serve side for a remote sender.
//
// Publishing: a finished temp file whose final name is new is renamed at
// once; one that replaces an existing file is renamed on a pool of threads
// (fsmirror/src/task_pool.h) while the next files are copied, because on
// ext4 that rename starts the new file's writeback (auto_da_alloc) and frees
// the old file's blocks (waiting for the device's discard where DEST is
// mounted with `discard`): 0.2–3 ms each, mostly waiting. Every other call (make_dir, set_meta of a directory, remove,
// set_root_meta, finish_cycle, scan, ...) first waits for the pool: deletions
// come after additions, a directory's mtime is set after the renames into it,
// and the index and marker are written only when every file is in place. A
// rename failing on the pool is thrown (naming the file) from the next call;
// nothing is queued after it and the temps of queued renames are removed.
// open_file() and the FileSinks it returns may be used from several threads
// at once (concurrent_file_sinks(): the cycle copies files in parallel); the
// other calls come from one thread while no file is being written.
//
// Crash story without --fsync (decided, issue 11): the mirror keeps plain
// renameat(2) over the old file, so ext4's auto_da_alloc protection stays: the
// new file's blocks are allocated and its writeback started before the rename
// is journalled, and in data=ordered mode the journal commit that makes the
// rename durable waits for that data. So after a crash DEST shows the old file
// or the complete new one, and an index that reached the disk (written after
// all renames) never names a file whose bytes were lost. renameat2
// (RENAME_EXCHANGE) + unlink would skip that writeback (a zero-length file
// could survive a crash under its final name while the index claims it); it
// was measured no faster here (300 files: 0.77–1.06 s vs 0.62–1.12 s serially),
// so it is not used. A crash mid-cycle leaves the `dirty` flag: the next cycle
// scans DEST instead of trusting the index. With --fsync every file and
// directory is fsynced before its rename / after it (no reliance on ext4).
#pragma once

#include <memory>
#include <string>

#include "galaxis/fsmirror/destination.h"

namespace galaxis::fsmirror {

std::unique_ptr<Destination> make_local_destination(const std::string& root, const DestinationOptions& options);

}  // namespace galaxis::fsmirror
