// galaxis/fsmirror/plan.h — what one cycle changes on the destination (pure).
//
// compute_plan() compares the source scan with the destination's view (the
// index, or a destination scan) and lists the steps in the order the cycle
// runs them: directories first (parents before children), then file and
// symlink copies, metadata-only fixes, and only after every addition the
// deletions (deepest first), finally directory modes/mtimes deepest first
// (writing into a directory changes its mtime, so those come last).
// A node whose type changed is deleted as part of its replacement (the one
// case where a delete precedes an addition; it is local to that path).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "galaxis/fsmirror/entry.h"
#include "galaxis/fsmirror/exclude.h"

namespace galaxis::fsmirror {

struct PlanOptions {
  bool checksum = false;                 // compare content hashes (both sides must carry them) instead of size+mtime
  bool delete_extra = false;             // --delete
  bool owners = false;                   // compare uid/gid (run as root)
  const ExcludeSet* excludes = nullptr;  // destination-only paths matching are kept
};

enum class StepKind : uint8_t {
  kMakeDir,      // create (or replace a non-dir by) a directory
  kCopyFile,     // content differs or missing: copy
  kMakeSymlink,  // link missing or target differs
  kSetMeta,      // same content, mode/owner/mtime differ
  kDelete,       // only on the destination (with --delete)
  kDirMeta,      // directory mode + mtime after its contents
};

struct Step {
  StepKind kind;
  Entry entry;                       // source entry (kDelete: the destination's)
  bool replaces_other_type = false;  // destination holds another type at this path
};

struct PlanCounts {
  uint64_t dirs = 0, files = 0, symlinks = 0, meta = 0, deletes = 0, bytes = 0;
  uint64_t delete_files = 0;  // non-directory deletions (what --max-delete counts)
};

struct Plan {
  std::vector<Step> steps;
  PlanCounts counts;
  bool empty() const;  // nothing but kDirMeta steps that change nothing
};

// `source` and `dest` sorted by path (as scan_tree and the index give them).
Plan compute_plan(const std::vector<Entry>& source, const std::vector<Entry>& dest, const PlanOptions& options);

}  // namespace galaxis::fsmirror
