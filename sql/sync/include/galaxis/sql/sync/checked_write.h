// galaxis/sql/sync/checked_write.h — a sync write to the target that never
// coerces silently (issue 14): the copy's chunk writer and the checksum
// repair both send their statements through it.
//
// send_checked() runs `sql` (one or more statements, one round trip) and
// reads the warnings the server counted for each (no extra round trip when
// there are none). Any warning stops with Error(kServer) naming `where`, the
// table and column and the server's text (warning_check.h) — except the one
// warning sync expects: 1265 on an ENUM column, the ENUM error value ''
// (index 0) that a non-strict source stores and the copy writes as it is
// (the layout check made the target's ENUMs those of the source). The
// caller owns the transaction: it commits only after send_checked returned
// and rolls back when it throws.
#pragma once

#include <string>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

void send_checked(Connection& connection, const std::string& sql, const SyncTable& table, const std::string& where);

}  // namespace galaxis::sql::sync
