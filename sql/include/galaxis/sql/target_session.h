// galaxis/sql/target_session.h — the session the applier writes through.
//
// Only session variables a plain user may set (no SUPER, no replica rights):
//   time_zone '+00:00'          TIMESTAMP literals are UTC wall time
//   sql_mode NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES
//                               an explicit 0 in an AUTO_INCREMENT column
//                               stays 0; no NO_ZERO_DATE / NO_ZERO_IN_DATE
//                               and ALLOW_INVALID_DATES, so zero and invalid
//                               dates load as the source wrote them (a row
//                               replica does not check them either); no
//                               NO_BACKSLASH_ESCAPES (literal.h escapes with
//                               backslashes). Not strict: the ENUM error
//                               value '' (index 0) a non-strict master stores
//                               can only be written with a warning; instead
//                               every warning is read (warning_check.h)
//                               before the target transaction commits.
//   NAMES utf8mb4               string literals carry their own _charset
//                               introducer, so bytes pass unconverted
//   foreign_key_checks, unique_checks = 1, then following each row event's
//                               flags (a cascade on the master is not in the
//                               binlog: the target's FK cascade repeats it)
//   check_constraint_checks = 1 (MariaDB), then following each row event's
//                               NO_CHECK_CONSTRAINT_CHECKS_F flag
//   collation_server, system_versioning_alter_history = DEFAULT (MariaDB):
//                               a replayed DDL sets them for itself; the
//                               session is restored after every DDL
//   @galaxis_relay_applying = 1 guarded triggers skip their body (see below)
//   transaction isolation READ COMMITTED (fewer gap locks against readers)
//
// Triggers: a native replica does not fire triggers for row events; the
// rows a master trigger wrote are already in the binlog. Without SUPER we
// cannot turn triggers off for our session, so the applier replays every
// CREATE TRIGGER with its body wrapped in
//   IF @galaxis_relay_applying IS NULL THEN <body>; END IF
// (query_text.h: guard_trigger). The user variable is set only in the
// applier's session, so the trigger works normally for every other client —
// including the application after a failover. Triggers that already exist on
// the target without the guard are reported (SchemaCache) and would fire.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "galaxis/binlog/events.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {

inline constexpr const char* kApplierSqlMode = "NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES";

// The statements that establish (or, after a DDL, restore) the session;
// `mariadb` adds the MariaDB-only variables. SET NAMES is a statement of its
// own, first, so the rest parses whatever collation_connection a DDL left.
std::string session_setup_sql(bool mariadb);
void setup_target_session(Connection& connection);

// A collation id -> {collation name, character set name}; nullopt when the
// target does not know the id.
struct CollationName {
  std::string collation;
  std::string charset;
};
using CollationResolver = std::function<std::optional<CollationName>(uint16_t)>;

// Session variables a QUERY event was logged with (foreign/unique checks,
// sql_mode, charsets by name, time zone), as one SET statement for
// replaying a DDL; empty when the event carries none. Collation ids are
// resolved to names because MariaDB 11 ids above 255 (uca1400) are not
// accepted as numbers; an id the resolver does not know leaves the
// charsets unset.
std::string query_session_sql(const binlog::QueryEvent& query, const CollationResolver& resolve);

// Looks collation ids up in the target's information_schema (COLLATIONS,
// and MariaDB's COLLATION_CHARACTER_SET_APPLICABILITY for uca1400 ids).
std::optional<CollationName> lookup_collation(Connection& connection, uint16_t id);

}  // namespace galaxis::sql
