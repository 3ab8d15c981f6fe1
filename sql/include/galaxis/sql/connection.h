// galaxis/sql/connection.h — one client connection to a MySQL/MariaDB server
// (MariaDB Connector/C), used for all ordinary SQL: the applier's target,
// schema look-ups, checkpoints.
//
// Ownership: a Connection owns its MYSQL*; movable, not copyable; closed in
// the destructor. Not thread-safe: one Connection per thread.
//
// The connection is opened with CLIENT_MULTI_STATEMENTS (exec_multi() sends
// a whole batch in one round trip) and CLIENT_FOUND_ROWS (UPDATE reports
// matched rows, not changed rows), character set utf8mb4, no automatic
// reconnect (a silent reconnect would lose the open transaction).
//
// Errors: every failure throws galaxis::Error naming the server
// (user@host:port), the server's errno, SQLSTATE and message and the
// statement (truncated to 300 bytes). Kinds: kNetwork for a lost/failed
// connection (2002, 2003, 2006, 2013, 2055, and a TLS error 2026 on an
// established connection: callers may reconnect and
// retry), kAuth for access denied (1044, 1045, 1142, 1143, 1227, 1370), kServer
// otherwise. The password never appears in a message.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/url.h"

struct st_mysql;
struct st_mysql_stmt;

namespace galaxis::sql {

struct ConnectOptions {
  unsigned connect_timeout_seconds = 10;
  // A DDL (ALTER of a big table) may legitimately run long; a dead server is
  // still detected by TCP keepalive and the write timeout.
  unsigned read_timeout_seconds = 3600;
  unsigned write_timeout_seconds = 600;
  std::string role = "target";  // "source"/"target": prefixes error messages
};

using Row = std::vector<std::optional<std::string>>;  // NULL is nullopt
using Rows = std::vector<Row>;

// One row of SHOW WARNINGS.
struct ServerWarning {
  std::string level;  // "Note", "Warning", "Error"
  unsigned code = 0;
  std::string message;
};

// A statement of the last exec_multi() that left warnings (mysql_warning_count
// of its result; reading it costs no round trip).
struct StatementWarnings {
  size_t statement = 0;  // 0-based index in the batch
  unsigned count = 0;
};

class PreparedStatement;

// Deadlock (1213) or lock wait timeout (1205): the transaction lost a lock
// race; after ROLLBACK it can be sent again as a whole.
bool is_lock_conflict(unsigned server_errno);
// A failure after which reconnecting and resending the open transaction is
// safe and may succeed: the connection is gone (Kind::kNetwork), the server
// is shutting down or killed the session, or a lock conflict.
bool is_retryable_target_error(const Error& error);

class Connection {
 public:
  // Connects (TLS per url.ssl_mode, unix socket when url.socket is set).
  Connection(const ConnectionUrl& url, ConnectOptions options = {});
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more ';'-separated statements, discarding results.
  void exec(std::string_view sql);
  // Runs a multi-statement batch in one round trip; returns the affected
  // (for UPDATE: matched) row count of each statement in order. On an error
  // in statement k the remaining statements are not executed and the error
  // names k.
  std::vector<uint64_t> exec_multi(std::string_view sql);
  // The statements of the last exec()/exec_multi() that left warnings or
  // notes, in order (empty when none did). Callers decide which are harmless.
  const std::vector<StatementWarnings>& last_warnings() const { return warnings_; }
  // Statements of the last exec_multi() in the batch (results read, including
  // a failed one), e.g. which statement an error came from.
  size_t last_statement_count() const { return statements_run_; }
  // SHOW WARNINGS: the diagnostics of the last statement run (only the last
  // statement of a batch keeps its text). One round trip.
  std::vector<ServerWarning> show_warnings();
  // Runs one statement; all rows of its result set.
  Rows query(std::string_view sql);
  // First column of the first row; nullopt for NULL or no row.
  std::optional<std::string> query_value(std::string_view sql);

  PreparedStatement prepare(std::string_view sql);

  // 'escaped' for this connection's character set (mysql_real_escape_string).
  std::string quote(std::string_view value);

  // ROLLBACK for cleanup after a failure: a failing ROLLBACK (the connection
  // is gone, and the server rolls back on disconnect anyway) is logged at
  // debug level, never thrown, so it cannot hide the original error.
  void rollback_quietly() noexcept;
  uint64_t thread_id() const;
  std::string server_version() const;  // "10.11.6-MariaDB-0+deb12u1", "9.7.0"
  bool is_mariadb() const;
  const std::string& display() const { return display_; }  // user@host:port

  st_mysql* handle() { return mysql_; }

  // Throws the Error for the current mysql_errno(), naming `statement`.
  [[noreturn]] void throw_last_error(std::string_view statement) const;

 private:
  void close() noexcept;

  st_mysql* mysql_ = nullptr;
  std::string display_;
  std::string role_;
  std::vector<StatementWarnings> warnings_;
  size_t statements_run_ = 0;
};

// A server-side prepared statement with string/integer/NULL parameters.
// Owned by the caller; must not outlive its Connection.
class PreparedStatement {
 public:
  using Param = std::optional<std::string>;  // NULL is nullopt; sent as MYSQL_TYPE_STRING (binary-safe)
  ~PreparedStatement();
  PreparedStatement(PreparedStatement&&) noexcept;
  PreparedStatement& operator=(PreparedStatement&&) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;

  // Executes with exactly param_count() parameters; returns affected rows.
  uint64_t execute(const std::vector<Param>& params);
  unsigned param_count() const;
  // For callers binding themselves (bulk_upsert.h: arrays of parameters).
  st_mysql_stmt* handle() { return stmt_; }
  // Throws the Error for the statement's last error, naming its text.
  [[noreturn]] void throw_stmt_error() const;

 private:
  friend class Connection;
  PreparedStatement(Connection* connection, st_mysql_stmt* stmt, std::string sql);

  Connection* connection_ = nullptr;
  st_mysql_stmt* stmt_ = nullptr;
  std::string sql_;
};

// `name` as a backquoted identifier (embedded backquotes doubled).
std::string quote_identifier(std::string_view name);
// `db`.`table`
std::string qualified_name(std::string_view db, std::string_view table);
// Truncates a statement for an error message: at most `limit` bytes + "…".
std::string truncate_statement(std::string_view sql, size_t limit = 300);

}  // namespace galaxis::sql
