// galaxis/sql/sync/dump.h — a portable dump instead of a live target
// (`sync --out DIR`), and restoring it (`sync --in DIR`).
//
// DIR/manifest.json names the snapshot position, and per table its source
// database and name, SHOW CREATE TABLE, column names and chunk files;
// DIR/tNNNN.cNNNNNN.zst holds one chunk: the VALUES groups "(..),(..)" of
// its rows (the same literals a live copy sends, table.h), one group per
// line, zstd-compressed. The manifest is written last (to a temporary name,
// then renamed), so a directory without manifest.json is an incomplete dump.
//
// Restore creates the databases/tables (with --rename-db applied), writes
// the chunks with --threads connections, then the checkpoint with the
// manifest's position — so `run` streams on from the dump's snapshot.
// Tables must be missing or empty on the target.
//
// Errors: Error(kIo) for file problems (naming the path), Error(kCorrupt)
// for a malformed manifest or chunk.
#pragma once

#include <vector>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/sync.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

void write_dump(const SyncOptions& options, Connection& source, const std::vector<SyncTable>& tables,
                SyncResult* result);
SyncResult restore_dump(const SyncOptions& options);

}  // namespace galaxis::sql::sync
