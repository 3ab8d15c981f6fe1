// galaxis/sql/sync/snapshot.h — a consistent read view of the source and
// the binlog position it corresponds to.
//
// MariaDB (no extra privilege, no lock): START TRANSACTION WITH CONSISTENT
// SNAPSHOT, then SHOW STATUS LIKE 'binlog_snapshot_%' — the server takes
// the snapshot and reads the binlog position under the same commit lock, so
// the snapshot holds exactly the transactions before that position. The
// GTID state is BINLOG_GTID_POS(file, position).
//
// MySQL has no such status variables. With gtid_mode=ON (and the default
// binlog_order_commits=ON) it needs no lock either: SHOW BINARY LOG STATUS,
// START TRANSACTION WITH CONSISTENT SNAPSHOT, @@GLOBAL.gtid_owned, SHOW
// BINARY LOG STATUS — accepted when nothing moved and no GTID was owned
// (no commit in flight), else rolled back and retried for up to 5 s; why
// that is exact is in sql/sync/src/snapshot.cc. Failing that (GTIDs off, or a master
// that never pauses, or a session holding SET GTID_NEXT), the snapshot is
// taken under FLUSH TABLES WITH READ LOCK (RELOAD or FLUSH_TABLES; held for
// milliseconds); without that privilege it stops with Error(kAuth) naming
// the grant and why the lock-free way failed — a position read next to an
// unguarded snapshot could be off by in-flight commits, which would lose or
// double rows once streaming resumes.
//
// The session is set to time_zone '+00:00', character_set_results NULL
// (raw bytes), REPEATABLE READ. The snapshot lasts until the connection's
// transaction ends; use only this connection for snapshot reads.
#pragma once

#include "galaxis/binlog/position.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql::sync {

// Sets up the session and opens the snapshot. Throws Error(kUnsupported)
// when the source has no binary log (nothing to stream from afterwards).
binlog::BinlogPosition open_consistent_snapshot(Connection& source);

// The session settings for reading rows as the sync encodes them, on any
// connection (source or target): time zone, raw result bytes.
void setup_read_session(Connection& connection);

}  // namespace galaxis::sql::sync
