// galaxis/sql/warning_check.h — no value reaches the target coerced without
// a word: what to do with the warnings a statement left.
//
// The applier's session is not strict (target_session.h: the ENUM error
// value could not be written), so a value the target cannot hold is stored
// coerced with a warning or note — inside the open target transaction,
// whose COMMIT waits for this check. Connection::exec_multi records each
// statement's warning count from its result (no round trip); only when one
// is non-zero does the caller spend a round trip on SHOW WARNINGS (which
// keeps the text of a batch's last statement only).
//
// Policy (sql/APPLIER.md "Warnings"):
//   row statements, sync chunk INSERTs      every warning and note is fatal
//   replayed DDL                            logged; the codes below at info
//                                           level as expected, others at
//                                           warn level with the server's text
//
// Pure functions except check_batch_warnings (one round trip when a warning
// exists). Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/sql/connection.h"

namespace galaxis::sql {

// A warning a replayed DDL statement may leave without anything differing
// from the master: notes about IF [NOT] EXISTS finding (or not) the object,
// deprecated syntax.
bool is_expected_ddl_warning(unsigned code);

// "`d`.`t`" of an INSERT INTO / UPDATE / DELETE FROM / REPLACE INTO
// statement as the statement builder writes them; "" for anything else.
std::string statement_table(std::string_view sql);

// The column a server message names ("... for column 'v' at row 1",
// "... column `d`.`t`.`v` ..."); "" when it names none.
std::string message_column(std::string_view message);

// "Warning 1265: Data truncated for column 'v' at row 1; Note ..."
std::string describe_warnings(const std::vector<ServerWarning>& warnings);

// After connection.exec_multi(): when any statement left a warning or
// note, throws Error(kServer) naming the statement's table and column, the
// server's text (when it is the batch's last statement; SHOW WARNINGS keeps
// no other) and `where(statement index)` (e.g. the source position); the
// caller rolls its transaction back. No round trip when there was none.
// `diagnose(statement index)`, when given, is asked for the text of a
// statement that is not the batch's last (e.g. by running it again inside a
// transaction that is rolled back); it may return nothing. `expected(i)`:
// how many warnings statement i leaves by design (ENUM error values); a
// statement with exactly that many passes.
void check_batch_warnings(Connection& connection, const std::function<std::string(size_t)>& where,
                          const std::function<std::string(size_t)>& statement_text,
                          const std::function<std::vector<ServerWarning>(size_t)>& diagnose = {},
                          const std::function<uint32_t(size_t)>& expected = {});

}  // namespace galaxis::sql
