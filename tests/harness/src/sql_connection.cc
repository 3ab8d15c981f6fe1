#include "galaxis/testing/sql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <mutex>

#include "galaxis/common/error.h"

namespace galaxis::testing {

namespace {

void library_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

std::string shorten(const std::string& sql) {
  constexpr size_t kMax = 200;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax) + "...";
}

Error::Kind kind_of(unsigned code) {
  if (code == ER_ACCESS_DENIED_ERROR || code == ER_DBACCESS_DENIED_ERROR || code == ER_TABLEACCESS_DENIED_ERROR) {
    return Error::Kind::kAuth;
  }
  if (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) return Error::Kind::kNetwork;
  return Error::Kind::kServer;
}

}  // namespace

struct SqlConnection::Impl {
  MYSQL* mysql = nullptr;
  std::string where;  // "root@127.0.0.1:3306" for messages

  ~Impl() {
    if (mysql != nullptr) mysql_close(mysql);
  }

  [[noreturn]] void fail(const std::string& what) const {
    const unsigned code = mysql_errno(mysql);
    throw_error(kind_of(code), "{} on {}: error {}: {}", what, where, code, mysql_error(mysql));
  }

  void run(const std::string& sql) {
    if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) fail("query `" + shorten(sql) + "`");
  }

  // Drains every result of a (multi-)statement; keeps the last result set.
  SqlResult collect(const std::string& sql) {
    SqlResult last;
    for (;;) {
      MYSQL_RES* res = mysql_store_result(mysql);
      if (res != nullptr) {
        SqlResult current;
        const unsigned n = mysql_num_fields(res);
        MYSQL_FIELD* fields = mysql_fetch_fields(res);
        for (unsigned i = 0; i < n; ++i) current.columns.emplace_back(fields[i].name, fields[i].name_length);
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
          unsigned long* lengths = mysql_fetch_lengths(res);
          SqlRow out;
          out.reserve(n);
          for (unsigned i = 0; i < n; ++i) {
            if (row[i] == nullptr) {
              out.emplace_back(std::nullopt);
            } else {
              out.emplace_back(std::string(row[i], lengths[i]));
            }
          }
          current.rows.push_back(std::move(out));
        }
        mysql_free_result(res);
        last = std::move(current);
      } else if (mysql_field_count(mysql) != 0) {
        fail("reading the result of `" + shorten(sql) + "`");
      }
      const int next = mysql_next_result(mysql);
      if (next > 0) fail("query `" + shorten(sql) + "`");
      if (next < 0) break;
    }
    return last;
  }
};

SqlConnection::SqlConnection(const SqlConnectOptions& options) : impl_(std::make_unique<Impl>()) {
  library_init_once();
  impl_->where = options.user + "@" +
                 (options.unix_socket.empty() ? options.host + ":" + std::to_string(options.port)
                                              : "socket:" + options.unix_socket);
  impl_->mysql = mysql_init(nullptr);
  if (impl_->mysql == nullptr) throw_error(Error::Kind::kRuntime, "mysql_init failed (out of memory)");
  MYSQL* m = impl_->mysql;
  const unsigned timeout = options.timeout_seconds;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // No TLS: for caching_sha2_password (MySQL 8+) full authentication,
  // Connector/C then fetches the server's RSA key itself, which is fine on
  // loopback test servers.
  const unsigned protocol = options.unix_socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);
  const char* password = options.password.empty() ? nullptr : options.password.c_str();
  const char* database = options.database.empty() ? nullptr : options.database.c_str();
  const char* socket = options.unix_socket.empty() ? nullptr : options.unix_socket.c_str();
  if (mysql_real_connect(m, options.host.c_str(), options.user.c_str(), password, database, options.port, socket,
                         CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS) == nullptr) {
    impl_->fail("connecting");
  }
}

SqlConnection::~SqlConnection() = default;
SqlConnection::SqlConnection(SqlConnection&&) noexcept = default;
SqlConnection& SqlConnection::operator=(SqlConnection&&) noexcept = default;

void SqlConnection::exec(const std::string& sql) {
  impl_->run(sql);
  impl_->collect(sql);
}

SqlRows SqlConnection::query(const std::string& sql) { return query_with_columns(sql).rows; }

SqlResult SqlConnection::query_with_columns(const std::string& sql) {
  impl_->run(sql);
  return impl_->collect(sql);
}

std::string SqlConnection::query_value(const std::string& sql) {
  SqlRows rows = query(sql);
  if (rows.empty() || rows[0].empty()) {
    throw_error(Error::Kind::kServer, "query `{}` on {} returned no rows", shorten(sql), impl_->where);
  }
  return rows[0][0].value_or("NULL");
}

std::string SqlConnection::quote(const std::string& value) {
  std::string out(value.size() * 2 + 1, '\0');
  const unsigned long n = mysql_real_escape_string(impl_->mysql, out.data(), value.data(), value.size());
  out.resize(n);
  return "'" + out + "'";
}

uint64_t SqlConnection::affected_rows() const { return mysql_affected_rows(impl_->mysql); }

std::string quote_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

}  // namespace galaxis::testing
