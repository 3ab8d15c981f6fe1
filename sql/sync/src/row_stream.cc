#include "galaxis/sql/sync/row_stream.h"

#include <mysql.h>

#include <exception>

namespace galaxis::sql::sync {

uint64_t stream_rows(Connection& connection, std::string_view sql, const std::function<void(const RowView&)>& on_row) {
  MYSQL* mysql = connection.handle();
  if (mysql == nullptr) throw_error(Error::Kind::kNetwork, "{}: connection is closed", connection.display());
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) connection.throw_last_error(sql);
  MYSQL_RES* result = mysql_use_result(mysql);
  if (result == nullptr) {
    if (mysql_field_count(mysql) != 0) connection.throw_last_error(sql);
    return 0;
  }
  const unsigned fields = mysql_num_fields(result);
  RowView view(fields);
  uint64_t count = 0;
  std::exception_ptr failure;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    if (failure) continue;  // drain
    unsigned long* lengths = mysql_fetch_lengths(result);
    for (unsigned i = 0; i < fields; ++i) {
      view[i] =
          row[i] == nullptr ? std::nullopt : std::optional<std::string_view>(std::string_view(row[i], lengths[i]));
    }
    try {
      on_row(view);
      ++count;
    } catch (...) {
      failure = std::current_exception();
    }
  }
  const bool fetch_failed = mysql_errno(mysql) != 0;
  if (fetch_failed) {
    // Build the error before freeing the result (mysql_free_result may reset it).
    try {
      connection.throw_last_error(sql);
    } catch (...) {
      mysql_free_result(result);
      throw;
    }
  }
  mysql_free_result(result);
  if (failure) std::rethrow_exception(failure);
  return count;
}

}  // namespace galaxis::sql::sync
