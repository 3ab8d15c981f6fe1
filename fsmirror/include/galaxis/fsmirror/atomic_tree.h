// galaxis/fsmirror/atomic_tree.h — `mirror --atomic-tree` (a local DEST, or
// the --serve side of an ssh:// DEST, which builds the snapshots there):
// a reader of DEST/current never sees files from two different cycles.
//
// Layout: DEST/snapshots/<n>/ are complete trees; DEST/current is a symlink
// to `snapshots/<n>`, switched with rename(2); the previous snapshot is kept
// (readers that opened it finish undisturbed), older ones are removed;
// DEST/.galaxis-mirror holds the state as usual (the index describes the
// current snapshot).
// A cycle with changes first builds snapshots/<n+1>.building as hard links
// to every file of the current snapshot (directories and symlinks are made
// anew), then runs the ordinary cycle into it: a changed file is published by
// rename over its link (the old snapshot keeps its inode), a metadata-only
// change copies the file first (chmod on a shared inode would change the
// old snapshot too). Then the building folder is renamed to its number and
// `current` switched. An interrupted build is removed on the next start.
// Cost: one link per unchanged file per changed cycle (no data copied).
#pragma once

#include <memory>
#include <string>

#include "galaxis/fsmirror/destination.h"

namespace galaxis::fsmirror {

std::unique_ptr<Destination> make_atomic_tree_destination(const std::string& root, const DestinationOptions& options);

}  // namespace galaxis::fsmirror
