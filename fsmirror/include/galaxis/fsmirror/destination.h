// galaxis/fsmirror/destination.h — where a cycle writes: the interface.
//
// The cycle (mirror.h) talks only to this interface; LocalDestination
// (local_destination.h) writes a local directory, RemoteDestination
// (remote_destination.h) sends the same calls as frames to
// `galaxis-relay mirror --serve PATH` on the far side, which runs them on a
// LocalDestination there. So the safety rules live in one place:
//  - every path is checked (rel_path.h) and resolved component by component
//    from the root's directory fd with O_NOFOLLOW, so nothing is written
//    through a symlink or outside the root;
//  - a file is written to a temp name in its final directory and published
//    with renameat(2) after its mode, owner and mtime are set (fsync first
//    under --fsync): a reader sees the old file or the new one, never a part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "galaxis/fsmirror/entry.h"
#include "galaxis/fsmirror/index.h"
#include "galaxis/fsmirror/scan.h"

namespace galaxis::fsmirror {

// One file being written. Destroying it without commit() discards it.
class FileSink {
 public:
  virtual ~FileSink() = default;
  virtual void write(const uint8_t* data, size_t size) = 0;
  // Copies up to `max_bytes` from the current offset of `src_fd` in the
  // kernel (copy_file_range: no pass through user space) and returns how many
  // were copied (0: end of file); nullopt when this sink cannot (remote, or
  // the file systems do not support it) — then the caller read()s and
  // write()s. Only used when the content need not be hashed (no --checksum).
  virtual std::optional<uint64_t> copy_from_fd(int src_fd, uint64_t max_bytes) {
    (void)src_fd;
    (void)max_bytes;
    return std::nullopt;
  }
  // Sets mode/owner/mtime and renames into place. Throws Error on failure
  // (the temp file is removed).
  virtual void commit(const Entry& entry) = 0;
  virtual void abort() noexcept = 0;
};

struct DestinationOptions {
  bool fsync = false;        // fsync each file before its rename, and directories after
  bool set_owner = false;    // chown (only meaningful as root)
  bool numeric_ids = false;  // owner by number, not by name
  // ssh:// only: the far side publishes snapshots (atomic_tree.h) instead of
  // files in place. (A local DEST picks make_atomic_tree_destination itself.)
  bool atomic_tree = false;
};

class Destination {
 public:
  virtual ~Destination() = default;
  virtual std::string describe() const = 0;

  // Takes the destination's lock (one mirror per destination) and, unless
  // `read_only`, creates the root and its state folder. Throws Error(kIo).
  virtual void open(bool read_only) = 0;
  // The index of the last complete cycle; nullopt when there is none or the
  // last run was interrupted (then the caller scans).
  virtual std::optional<Index> load_index() = 0;
  // The same index as bytes (serialize_index form), for the --serve side to
  // send on without parsing it (the sender parses and checks it). A local
  // destination returns its index file as it is; a corrupt one then fails
  // the sender's parse, which falls back to a scan like load_index() does.
  virtual std::optional<std::string> load_index_bytes() {
    std::optional<Index> index = load_index();
    if (!index) return std::nullopt;
    return serialize_index(*index);
  }
  // A string that changes whenever the stored index is rewritten (a local
  // index file's device, inode, size and times); "" when there is no usable
  // index. The --serve side compares it with the identity of the sender's
  // cached copy, so an unchanged index does not cross the wire each cycle.
  virtual std::string index_identity() { return {}; }
  // Scans the destination (removing temp leftovers unless read-only).
  virtual ScanResult scan(bool hash_files) = 0;
  // Marks the state dirty (see index.h) before the first change.
  virtual void begin_cycle() = 0;

  virtual void make_dir(const Entry& entry, bool replace) = 0;
  virtual std::unique_ptr<FileSink> open_file(const std::string& path) = 0;
  // True when open_file() and the sinks it returns may be called from several
  // threads at once (a local directory); the cycle then copies files in
  // parallel. Every other call still comes from one thread, never while a
  // file is being written.
  virtual bool concurrent_file_sinks() const { return false; }
  virtual void make_symlink(const Entry& entry) = 0;
  virtual void set_meta(const Entry& entry) = 0;     // mode, owner, mtime (no content)
  virtual void remove(const Entry& entry) = 0;       // file/link unlinked, dir removed recursively
  virtual void set_root_meta(const Meta& meta) = 0;  // the root directory's mode, owner, mtime
  // Writes the index (when its entries changed), the completion marker
  // (JSON text; it carries the sequence; "" = leave the marker as it is: the
  // cycle was incomplete) and clears the dirty flag.
  virtual void finish_cycle(const Index& index, bool entries_changed, const std::string& marker_json) = 0;
  // Completion marker of the last complete cycle ("" when none).
  virtual std::string read_marker() = 0;
};

}  // namespace galaxis::fsmirror
