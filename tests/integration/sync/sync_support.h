// Helpers for the sync integration tests: restricted users as managed
// hosting gives them, connection URLs, the CLI binary as a subprocess, and
// streaming the master's binlog from a checkpoint into the passive (the same
// path `run` takes: ReplicationStream → Applier).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "../support/stream_replay.h"
#include "galaxis/binlog/position.h"
#include "galaxis/common/url.h"
#include "galaxis/sql/sync/sync.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {

inline constexpr const char* kSyncSourceUser = "sync_src";
inline constexpr const char* kSyncSourcePassword = "s0urce 'sync";
inline constexpr const char* kSyncTargetUser = "sync_tgt";
inline constexpr const char* kSyncTargetPassword = "t@rget \"sync";
inline constexpr const char* kSyncTargetGrants =
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, TRIGGER ON *.*";

// REPLICATION SLAVE, REPLICATION CLIENT, SELECT on the master (MySQL too: its
// snapshot is lock-free with GTIDs, see sql/sync/snapshot.h);
// kSyncTargetGrants on the passive.
void ensure_sync_users(Server& master, Server& passive);
inline ConnectionUrl sync_url(Server& server, const std::string& user, const std::string& password) {
  return loopback_url(server, user, password);
}
sql::sync::SyncOptions sync_options(Server& master, Server& passive);

// argv for the CLI: galaxis-relay sync --source URL --target URL + extra.
std::vector<std::string> sync_argv(Server& master, Server& passive, const std::vector<std::string>& extra);
// Sets GALAXIS_SOURCE_PASSWORD / GALAXIS_TARGET_PASSWORD for children.
void export_sync_passwords();
// Starts the CLI without waiting (stdout/stderr to `log_path`).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path);

// Streams the master's binlog from `from` to its current end into the
// passive through an Applier of stream `stream` (which must have its
// checkpoint at `from`). Returns source transactions applied.
size_t stream_from_checkpoint(Server& master, Server& passive, const std::string& stream,
                              const std::vector<std::string>& include);

inline binlog::BinlogPosition current_position(Server& master) { return binlog_position(master); }

}  // namespace galaxis::testing
