// galaxis/sql/role_guard.h — the relay's fence: never apply to a server that
// takes the writes itself.
//
// The relay calls refuse_unless_passive() on the connection that holds the
// stream lock (stream_lock.h), right after taking it and before reading the
// checkpoint. `promote` flips the role row only while it holds that same
// lock, so a relay that gets the lock after a promotion always sees the new
// role. A missing row (or table) means passive: pairs that never promoted.
//
// Refusal is Error(kRuntime) — not retried by the pipeline — whose message
// names the server, the pair, the role, the epoch and when/by what the row
// was last changed, and says what to do.
#pragma once

#include <string>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/role_store.h"

namespace galaxis::sql {

// The message refuse_unless_passive() throws for `record` (unit-testable).
std::string fenced_target_message(const std::string& server, const std::string& pair, const RoleRecord& record);

// Reads the pair's role row on `target`; throws when it is active or fenced.
void refuse_unless_passive(Connection& target, const std::string& schema, const std::string& pair);

}  // namespace galaxis::sql
