#include "galaxis/sql/target_session.h"

#include "galaxis/sql/literal.h"
#include "galaxis/sql/schema_cache.h"

namespace galaxis::sql {
namespace {
constexpr uint32_t kOptionNoForeignKeyChecks = 1u << 26;
constexpr uint32_t kOptionRelaxedUniqueChecks = 1u << 27;
}  // namespace

std::string session_setup_sql(bool mariadb) {
  // SET NAMES first and alone: a replayed DDL may leave collation_connection
  // at ucs2/utf16/utf32, in which a string literal in the same statement
  // (time_zone='+00:00') would be read as garbage.
  std::string sql = std::string("SET NAMES utf8mb4;SET time_zone='+00:00', sql_mode='") + kApplierSqlMode +
                    "', foreign_key_checks=1, unique_checks=1, collation_server=DEFAULT, ";
  if (mariadb) sql += "check_constraint_checks=1, system_versioning_alter_history=DEFAULT, ";
  sql += std::string(kApplyingVariable) + "=1;SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
  return sql;
}

void setup_target_session(Connection& connection) {
  with_context("setting up the target session", [&] { connection.exec(session_setup_sql(connection.is_mariadb())); });
}

std::optional<CollationName> lookup_collation(Connection& connection, uint16_t id) {
  Rows rows = connection.query(
      "SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID = " + std::to_string(id));
  if (rows.empty() && connection.is_mariadb()) {
    rows = connection.query(
        "SELECT FULL_COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY "
        "WHERE ID = " +
        std::to_string(id));
  }
  if (rows.empty() || !rows[0][0] || !rows[0][1]) return std::nullopt;
  return CollationName{*rows[0][0], *rows[0][1]};
}

std::string query_session_sql(const binlog::QueryEvent& query, const CollationResolver& resolve) {
  std::vector<std::string> parts;
  if (query.flags2) {
    parts.push_back(std::string("foreign_key_checks=") + ((*query.flags2 & kOptionNoForeignKeyChecks) ? "0" : "1"));
    parts.push_back(std::string("unique_checks=") + ((*query.flags2 & kOptionRelaxedUniqueChecks) ? "0" : "1"));
  }
  if (query.sql_mode) parts.push_back("sql_mode=" + std::to_string(*query.sql_mode));
  if (query.charset) {
    auto client = resolve((*query.charset)[0]);
    auto connection = resolve((*query.charset)[1]);
    auto server = resolve((*query.charset)[2]);
    if (client && connection && server) {
      parts.push_back("character_set_client=" + client->charset);
      parts.push_back("collation_connection=" + connection->collation);
      parts.push_back("collation_server=" + server->collation);
    }
  }
  if (!query.time_zone.empty()) {
    std::string tz;
    append_quoted(&tz, query.time_zone);
    parts.push_back("time_zone=" + tz);
  }
  if (parts.empty()) return {};
  std::string sql = "SET ";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += "@@session." + parts[i];
  }
  return sql;
}

}  // namespace galaxis::sql
