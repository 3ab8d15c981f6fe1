// galaxis/testing/sql_connection.h — a small blocking SQL client for tests.
//
// Wraps one MariaDB Connector/C connection (works against MariaDB and MySQL,
// including MySQL's caching_sha2_password: the server's RSA key is fetched
// when there is no TLS). Connect/read/write timeouts are set so a test never
// hangs on a dead server. Errors throw galaxis::Error(kServer or kNetwork)
// with the server's message and the statement (truncated) that failed.
//
// Not thread-safe: one connection per thread. Movable, not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace galaxis::testing {

using SqlRow = std::vector<std::optional<std::string>>;  // NULL is std::nullopt
using SqlRows = std::vector<SqlRow>;

struct SqlResult {
  std::vector<std::string> columns;  // column names
  SqlRows rows;
};

struct SqlConnectOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string unix_socket;  // when set, used instead of host/port
  std::string user = "root";
  std::string password;
  std::string database;
  unsigned timeout_seconds = 30;  // connect, read and write timeouts each
};

class SqlConnection {
 public:
  explicit SqlConnection(const SqlConnectOptions& options);  // connects; throws on failure
  ~SqlConnection();
  SqlConnection(SqlConnection&&) noexcept;
  SqlConnection& operator=(SqlConnection&&) noexcept;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;

  // Runs one or more ';'-separated statements, discarding any results.
  void exec(const std::string& sql);
  // Runs one statement and returns all rows of its (last) result set.
  SqlRows query(const std::string& sql);
  SqlResult query_with_columns(const std::string& sql);
  // First column of the first row; throws Error(kServer) when there is no row.
  // NULL reads as "NULL".
  std::string query_value(const std::string& sql);

  // Quotes a string literal for this connection's charset ('...').
  std::string quote(const std::string& value);

  uint64_t affected_rows() const;  // of the last exec/query

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `name` as a backquoted SQL identifier (doubling embedded backquotes).
std::string quote_identifier(const std::string& name);

}  // namespace galaxis::testing
