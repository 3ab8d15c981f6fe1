// galaxis/sql/query_text.h — understanding the QUERY events of a binlog
// just enough to replay them: what kind of statement, which objects it
// targets, and three rewrites (DEFINER removal, trigger guard, database
// rename).
//
// A small tokenizer (not a parser): it knows string literals with
// backslash escapes, `quoted` identifiers, comments (-- # /* */) and reads
// the inside of version comments /*!NNNNN ... */ and /*M! ... */ as code,
// as the server does. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace galaxis::sql {

enum class QueryKind {
  kBegin,              // BEGIN / START TRANSACTION / XA START (transaction boundary)
  kCommit,             // COMMIT
  kRollback,           // ROLLBACK (whole transaction)
  kSavepoint,          // SAVEPOINT x, ROLLBACK TO x, RELEASE SAVEPOINT x: replayed as-is
  kDdl,                // CREATE/ALTER/DROP/RENAME/TRUNCATE of databases, tables, views, triggers, indexes, sequences
  kRoutine,            // CREATE/ALTER/DROP PROCEDURE/FUNCTION/EVENT/PACKAGE: needs privileges we may lack
  kAccountManagement,  // users, roles, grants, passwords: skipped
  kAdministrative,     // FLUSH, ANALYZE, OPTIMIZE, INSTALL PLUGIN, servers, tablespaces...: skipped
  kStatementDml,       // INSERT/UPDATE/DELETE/... as a statement (binlog_format STATEMENT/MIXED)
  kXa,                 // XA transactions
  kOther,
};

std::string_view query_kind_name(QueryKind kind);

struct ObjectName {
  std::string database;  // "" when not qualified: the event's default database
  std::string name;      // "" for database-level statements
  bool operator==(const ObjectName&) const = default;
};

struct QueryInfo {
  QueryKind kind = QueryKind::kOther;
  std::string object_type;  // upper-case: "TABLE", "VIEW", "TRIGGER", "INDEX", "DATABASE", "SEQUENCE", ...
  // The objects the statement creates/changes/drops (for triggers and
  // indexes: the table they are on). For DATABASE statements: {db, ""}.
  std::vector<ObjectName> objects;
  bool is_temporary = false;  // CREATE/DROP TEMPORARY TABLE
};

QueryInfo classify_query(std::string_view query);

// Removes "DEFINER = user@host" / "DEFINER = CURRENT_USER" from a
// CREATE/ALTER of a view, trigger, routine or event (a user without SUPER /
// SET_USER_ID may not name another definer; the object gets the relay's
// user as definer instead).
std::string strip_definer(std::string_view query);

// Wraps the body of a CREATE TRIGGER so it does nothing in the applier's
// session: "... FOR EACH ROW IF @galaxis_relay_applying IS NULL THEN <body>; END IF".
// Returns the query unchanged when it is not a CREATE TRIGGER or is already guarded.
std::string guard_trigger(std::string_view query);

// MySQL 8.0.21+ logs CREATE TABLE ... SELECT as "CREATE TABLE ... START
// TRANSACTION" followed by the rows; a client may then only send BINLOG
// statements, so the clause is removed (the table is created, the rows
// follow as ordinary INSERTs). Other queries are returned unchanged.
std::string strip_create_start_transaction(std::string_view query);

// Replaces every reference to database `from` (a qualifier `from`.x, or the
// name in CREATE/ALTER/DROP DATABASE) by `to`. Strings and comments are left alone.
std::string rename_database(std::string_view query, std::string_view from, std::string_view to);

}  // namespace galaxis::sql
