#include "galaxis/sql/sync/checked_write.h"

#include "galaxis/sql/warning_check.h"

namespace galaxis::sql::sync {
namespace {

bool is_enum_error_value(const ServerWarning& warning, const SyncTable& table) {
  if (warning.code != 1265) return false;
  const std::string name = message_column(warning.message);
  for (const SyncColumn& column : table.columns) {
    if (column.name == name) return column.column_type.rfind("enum(", 0) == 0;
  }
  return false;
}

}  // namespace

void send_checked(Connection& connection, const std::string& sql, const SyncTable& table, const std::string& where) {
  connection.exec(sql);
  if (connection.last_warnings().empty()) return;
  // SHOW WARNINGS keeps the text of the batch's last statement only: the
  // ENUM allowance applies when that is the one statement that warned.
  const bool last_only = connection.last_warnings().size() == 1 &&
                         connection.last_warnings()[0].statement + 1 == connection.last_statement_count();
  if (last_only) {
    std::vector<ServerWarning> shown = connection.show_warnings();
    bool all_harmless = !shown.empty();
    for (const ServerWarning& w : shown) all_harmless = all_harmless && is_enum_error_value(w, table);
    if (all_harmless) return;
  }
  check_batch_warnings(
      connection, [&](size_t) { return where; }, [&](size_t) { return truncate_statement(sql, 200); });
}

}  // namespace galaxis::sql::sync
