// galaxis/sql/stream_lock.h — the named lock that makes one connection the
// only applier of a checkpoint row on a target.
//
// GET_LOCK needs no privilege and is released only when the session ends —
// after the server has finished (committed or rolled back) whatever that
// session was executing. So a relay restarted after a crash waits here
// until its predecessor's last batch is really over before it reads the
// checkpoint: without that, a COMMIT still running for the killed process
// could land after the new one read the checkpoint, and the new one would
// apply those transactions again. It also keeps two relays off one stream.
//
// The serial applier's connection holds the lock of "<stream>"; the parallel
// applier's coordinator holds the same, and each worker k of N the lock of
// its checkpoint row "<stream>#k/N".
#pragma once

#include <functional>
#include <string>

#include "galaxis/sql/connection.h"

namespace galaxis::sql {

// "galaxis-relay:<schema>.<row>", hashed when longer than GET_LOCK allows (64).
std::string stream_lock_name(const std::string& schema, const std::string& row);

// Waits (in 10 s steps, up to 2 minutes, or until give_up() says so) for the
// lock on `connection`. Error(kRuntime) naming the lock and `row` when it
// stays taken.
void acquire_stream_lock(Connection& connection, const std::string& schema, const std::string& row,
                         const std::function<bool()>& give_up = {});

// Waits for the lock as above, then releases it: the previous holder's
// session is over.
void wait_for_stream_lock(Connection& connection, const std::string& schema, const std::string& row,
                          const std::function<bool()>& give_up = {});

}  // namespace galaxis::sql
