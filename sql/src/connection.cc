#include "galaxis/sql/connection.h"

#include <mysql.h>

#include <cstdlib>
#include <mutex>

#include "galaxis/common/log.h"

namespace galaxis::sql {
namespace {

void library_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

Error::Kind kind_for_errno(unsigned code) {
  switch (code) {
    case 2002:  // CR_CONNECTION_ERROR (socket)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 1053:  // ER_SERVER_SHUTDOWN
    case 4031:  // MySQL: disconnected by the server because of inactivity
      return Error::Kind::kNetwork;
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR
    case 1143:  // ER_COLUMNACCESS_DENIED_ERROR
    case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR
    case 1370:  // ER_PROCACCESS_DENIED_ERROR
      return Error::Kind::kAuth;
    default: return Error::Kind::kServer;
  }
}

// Every failure a server or the connector reported: the errno and SQLSTATE
// travel as fields (callers branch on them), the message names the rest.
[[noreturn]] void throw_server_error(Error::Kind kind, unsigned code, const char* sqlstate, std::string message) {
  Error error(kind, std::move(message));
  error.set_server_error(code, sqlstate == nullptr ? std::string() : std::string(sqlstate));
  throw error;
}

[[noreturn]] void throw_closed(const std::string& role) {
  // As the connector reports a connection that is gone (CR_SERVER_GONE_ERROR).
  throw_server_error(Error::Kind::kNetwork, 2006, "HY000", fmt::format("{} connection is closed", role));
}

}  // namespace

bool is_lock_conflict(unsigned server_errno) {
  return server_errno == 1213 /* ER_LOCK_DEADLOCK */ || server_errno == 1205 /* ER_LOCK_WAIT_TIMEOUT */;
}

bool is_retryable_target_error(const Error& error) {
  if (error.kind() == Error::Kind::kNetwork) return true;
  switch (error.server_errno()) {
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
      return true;
    default: return is_lock_conflict(error.server_errno());
  }
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('`');
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string qualified_name(std::string_view db, std::string_view table) {
  return quote_identifier(db) + "." + quote_identifier(table);
}

std::string truncate_statement(std::string_view sql, size_t limit) {
  if (sql.size() <= limit) return std::string(sql);
  // Do not cut a UTF-8 sequence in half.
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xC0) == 0x80) --cut;
  return std::string(sql.substr(0, cut)) + "…";
}

Connection::Connection(const ConnectionUrl& url, ConnectOptions options)
    : display_(url.display()), role_(std::move(options.role)) {
  library_init_once();
  mysql_ = mysql_init(nullptr);
  if (mysql_ == nullptr) throw_error(Error::Kind::kRuntime, "{} {}: out of memory in mysql_init", role_, display_);
  unsigned connect_timeout = options.connect_timeout_seconds;
  unsigned read_timeout = options.read_timeout_seconds;
  unsigned write_timeout = options.write_timeout_seconds;
  my_bool no = 0;
  unsigned long max_packet = 1024UL * 1024UL * 1024UL;
  mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_RECONNECT, &no);
  mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(mysql_, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);

  switch (url.ssl_mode) {
    case SslMode::kDisabled: break;
    case SslMode::kPreferred:
      // TLS when the server offers it; no certificate check (like mysql's PREFERRED).
      mysql_ssl_set(mysql_, nullptr, nullptr, url.ssl_ca.empty() ? nullptr : url.ssl_ca.c_str(), nullptr, nullptr);
      mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
      break;
    case SslMode::kRequired:
    case SslMode::kVerifyCa:
    case SslMode::kVerifyIdentity: {
      my_bool yes = 1;
      my_bool verify = url.ssl_mode == SslMode::kRequired ? 0 : 1;
      mysql_ssl_set(mysql_, nullptr, nullptr, url.ssl_ca.empty() ? nullptr : url.ssl_ca.c_str(), nullptr, nullptr);
      mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
      break;
    }
  }

  const char* socket = url.socket.empty() ? nullptr : url.socket.c_str();
  const char* host = socket != nullptr ? "localhost" : url.host.c_str();
  const char* database = url.database.empty() ? nullptr : url.database.c_str();
  if (mysql_real_connect(mysql_, host, url.user.c_str(), url.password.reveal().c_str(), database, url.port, socket,
                         CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS) == nullptr) {
    unsigned code = mysql_errno(mysql_);
    const std::string sqlstate = mysql_sqlstate(mysql_);
    std::string message =
        fmt::format("{} {}: cannot connect: {} ({}): {}", role_, display_, code, sqlstate, mysql_error(mysql_));
    close();
    throw_server_error(kind_for_errno(code), code, sqlstate.c_str(), std::move(message));
  }
}

Connection::~Connection() { close(); }

Connection::Connection(Connection&& other) noexcept
    : mysql_(other.mysql_), display_(std::move(other.display_)), role_(std::move(other.role_)) {
  other.mysql_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    mysql_ = other.mysql_;
    display_ = std::move(other.display_);
    role_ = std::move(other.role_);
    other.mysql_ = nullptr;
  }
  return *this;
}

void Connection::close() noexcept {
  if (mysql_ != nullptr) {
    mysql_close(mysql_);
    mysql_ = nullptr;
  }
}

void Connection::throw_last_error(std::string_view statement) const {
  if (mysql_ == nullptr) throw_closed(role_);
  unsigned code = mysql_errno(mysql_);
  // On an established connection a TLS error (2026) means the peer went away.
  Error::Kind kind = code == 2026 ? Error::Kind::kNetwork : kind_for_errno(code);
  throw_server_error(kind, code, mysql_sqlstate(mysql_),
                     fmt::format("{} {}: error {} ({}): {}; statement: {}", role_, display_, code,
                                 mysql_sqlstate(mysql_), mysql_error(mysql_), truncate_statement(statement)));
}

void Connection::exec(std::string_view sql) { exec_multi(sql); }

std::vector<uint64_t> Connection::exec_multi(std::string_view sql) {
  if (mysql_ == nullptr) throw_closed(role_);
  std::vector<uint64_t> affected;
  warnings_.clear();
  statements_run_ = 1;
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) throw_last_error(sql);
  for (;;) {
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result != nullptr) {
      mysql_free_result(result);
      affected.push_back(0);
    } else if (mysql_field_count(mysql_) != 0) {
      throw_last_error(sql);
    } else {
      affected.push_back(mysql_affected_rows(mysql_));
    }
    // Each result's OK/EOF packet carries its statement's warning count (no round trip).
    if (unsigned count = mysql_warning_count(mysql_); count > 0) warnings_.push_back({affected.size() - 1, count});
    int next = mysql_next_result(mysql_);
    if (next == -1) break;
    ++statements_run_;
    if (next > 0) {
      try {
        throw_last_error(sql);
      } catch (Error& e) {
        e.add_context(fmt::format("statement {} of the batch", affected.size() + 1));
        throw;
      }
    }
  }
  return affected;
}

Rows Connection::query(std::string_view sql) {
  if (mysql_ == nullptr) throw_closed(role_);
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) throw_last_error(sql);
  Rows rows;
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) {
    if (mysql_field_count(mysql_) != 0) throw_last_error(sql);
  } else {
    unsigned fields = mysql_num_fields(result);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      unsigned long* lengths = mysql_fetch_lengths(result);
      Row out;
      out.reserve(fields);
      for (unsigned i = 0; i < fields; ++i) {
        if (row[i] == nullptr) {
          out.emplace_back(std::nullopt);
        } else {
          out.emplace_back(std::string(row[i], lengths[i]));
        }
      }
      rows.push_back(std::move(out));
    }
    mysql_free_result(result);
  }
  // Drain further results (a CALL, or a trailing statement) so the connection stays usable.
  while (mysql_more_results(mysql_)) {
    if (mysql_next_result(mysql_) > 0) throw_last_error(sql);
    if (MYSQL_RES* extra = mysql_store_result(mysql_)) mysql_free_result(extra);
  }
  return rows;
}

std::vector<ServerWarning> Connection::show_warnings() {
  std::vector<ServerWarning> out;
  for (const Row& row : query("SHOW WARNINGS")) {
    ServerWarning w;
    w.level = row.size() > 0 ? row[0].value_or("") : "";
    w.code = row.size() > 1 ? static_cast<unsigned>(std::strtoul(row[1].value_or("0").c_str(), nullptr, 10)) : 0;
    w.message = row.size() > 2 ? row[2].value_or("") : "";
    out.push_back(std::move(w));
  }
  return out;
}

std::optional<std::string> Connection::query_value(std::string_view sql) {
  Rows rows = query(sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

std::string Connection::quote(std::string_view value) {
  std::string out(value.size() * 2 + 3, '\0');
  out[0] = '\'';
  unsigned long n = mysql_real_escape_string(mysql_, out.data() + 1, value.data(), value.size());
  out.resize(n + 1);
  out.push_back('\'');
  return out;
}

void Connection::rollback_quietly() noexcept {
  if (mysql_ == nullptr) return;
  try {
    exec("ROLLBACK");
  } catch (const Error& e) {
    log::debug("{} {}: ROLLBACK after a failure failed too (the server rolls back on disconnect): {}", role_, display_,
               e.what());
  }
}

uint64_t Connection::thread_id() const { return mysql_ == nullptr ? 0 : mysql_thread_id(mysql_); }

std::string Connection::server_version() const {
  return mysql_ == nullptr ? std::string() : std::string(mysql_get_server_info(mysql_));
}

bool Connection::is_mariadb() const { return server_version().find("MariaDB") != std::string::npos; }

PreparedStatement Connection::prepare(std::string_view sql) {
  if (mysql_ == nullptr) throw_closed(role_);
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (stmt == nullptr) throw_last_error(sql);
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    unsigned code = mysql_stmt_errno(stmt);
    const std::string sqlstate = mysql_stmt_sqlstate(stmt);
    std::string message = fmt::format("{} {}: prepare: error {} ({}): {}; statement: {}", role_, display_, code,
                                      sqlstate, mysql_stmt_error(stmt), truncate_statement(sql));
    mysql_stmt_close(stmt);
    throw_server_error(kind_for_errno(code), code, sqlstate.c_str(), std::move(message));
  }
  return PreparedStatement(this, stmt, std::string(sql));
}

PreparedStatement::PreparedStatement(Connection* connection, st_mysql_stmt* stmt, std::string sql)
    : connection_(connection), stmt_(stmt), sql_(std::move(sql)) {}

PreparedStatement::~PreparedStatement() {
  if (stmt_ != nullptr) mysql_stmt_close(stmt_);
}

PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
  other.stmt_ = nullptr;
}

PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) mysql_stmt_close(stmt_);
    connection_ = other.connection_;
    stmt_ = other.stmt_;
    sql_ = std::move(other.sql_);
    other.stmt_ = nullptr;
  }
  return *this;
}

unsigned PreparedStatement::param_count() const { return mysql_stmt_param_count(stmt_); }

void PreparedStatement::throw_stmt_error() const {
  unsigned code = mysql_stmt_errno(stmt_);
  throw_server_error(kind_for_errno(code), code, mysql_stmt_sqlstate(stmt_),
                     fmt::format("{}: prepared statement error {} ({}): {}; statement: {}", connection_->display(),
                                 code, mysql_stmt_sqlstate(stmt_), mysql_stmt_error(stmt_), truncate_statement(sql_)));
}

uint64_t PreparedStatement::execute(const std::vector<Param>& params) {
  if (params.size() != param_count()) {
    throw_error(Error::Kind::kRuntime, "prepared statement expects {} parameters, got {}; statement: {}", param_count(),
                params.size(), truncate_statement(sql_));
  }
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  std::vector<my_bool> nulls(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& bind = binds[i];
    bind = MYSQL_BIND{};
    nulls[i] = params[i].has_value() ? 0 : 1;
    bind.is_null = &nulls[i];
    bind.buffer_type = MYSQL_TYPE_STRING;
    if (params[i]) {
      lengths[i] = params[i]->size();
      bind.buffer = const_cast<char*>(params[i]->data());
      bind.buffer_length = lengths[i];
      bind.length = &lengths[i];
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt_, binds.data()) != 0) throw_stmt_error();
  if (mysql_stmt_execute(stmt_) != 0) throw_stmt_error();
  uint64_t affected = mysql_stmt_affected_rows(stmt_);
  mysql_stmt_free_result(stmt_);
  return affected;
}

}  // namespace galaxis::sql
