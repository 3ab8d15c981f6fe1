#include "galaxis/sql/warning_check.h"

#include <cctype>

#include "galaxis/common/error.h"

namespace galaxis::sql {
namespace {

bool starts_with_word(std::string_view sql, std::string_view word) {
  if (sql.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(sql[i])) != word[i]) return false;
  }
  return sql.size() == word.size() || sql[word.size()] == ' ';
}

// A `quoted`.`name` sequence at the start of `s` (backquotes doubled inside).
std::string_view leading_qualified_name(std::string_view s) {
  size_t i = 0;
  for (int part = 0; part < 2; ++part) {
    if (i >= s.size() || s[i] != '`') return s.substr(0, i);
    ++i;
    while (i < s.size()) {
      if (s[i] == '`') {
        if (i + 1 < s.size() && s[i + 1] == '`') {
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      ++i;
    }
    if (part == 0 && (i >= s.size() || s[i] != '.')) return s.substr(0, i);
    if (part == 0) ++i;
  }
  return s.substr(0, i);
}

}  // namespace

bool is_expected_ddl_warning(unsigned code) {
  switch (code) {
    case 1007:  // Note: CREATE DATABASE IF NOT EXISTS, the database exists
    case 1008:  // Note: DROP DATABASE IF EXISTS, no such database
    case 1050:  // Note: CREATE TABLE/VIEW IF NOT EXISTS, the table exists
    case 1051:  // Note: DROP TABLE IF EXISTS, unknown table
    case 1060:  // Note: ADD COLUMN IF NOT EXISTS, duplicate column (MariaDB)
    case 1061:  // Note: ADD INDEX IF NOT EXISTS, duplicate key name (MariaDB)
    case 1091:  // Note: DROP COLUMN/INDEX IF EXISTS, nothing to drop (MariaDB)
    case 1305:  // Note: DROP PROCEDURE/FUNCTION IF EXISTS, does not exist
    case 1360:  // Note: DROP TRIGGER IF EXISTS, no such trigger
    case 1537:  // Note: CREATE EVENT IF NOT EXISTS, the event exists
    case 1539:  // Note: DROP EVENT IF EXISTS, unknown event
    case 1678:  // Note: DROP INDEX IF EXISTS / ADD ... IF NOT EXISTS (MariaDB: "Key … exists")
    case 4090:  // Note: DROP SEQUENCE IF EXISTS, unknown sequence (MariaDB)
    case 4091:  // Note: unknown sequence (MariaDB)
    case 1287:  // Warning: deprecated syntax (the master accepted it the same way)
    case 1681:  // Warning: integer display width / ZEROFILL deprecated (MySQL)
    case 3719:  // Warning: 'utf8' is an alias for utf8mb3 (MySQL)
    case 3778:  // Warning: utf8mb3 collation is deprecated (MySQL)
    case 1831:  // Warning: duplicate index (the master has it too)
      return true;
    default: return false;
  }
}

std::string statement_table(std::string_view sql) {
  for (std::string_view head : {"INSERT INTO ", "REPLACE INTO ", "DELETE FROM ", "UPDATE "}) {
    if (starts_with_word(sql, head.substr(0, head.find(' ')))) {
      std::string_view rest = sql.substr(std::min(sql.size(), head.size()));
      return std::string(leading_qualified_name(rest));
    }
  }
  return {};
}

std::string message_column(std::string_view message) {
  // "... for column 'v' at row 1" (1265, 1264, 1366, 1406, 1292)
  size_t at = message.find("column '");
  if (at != std::string_view::npos) {
    size_t begin = at + 8;
    size_t end = message.find('\'', begin);
    if (end != std::string_view::npos) return std::string(message.substr(begin, end - begin));
  }
  // "... for column `d`.`t`.`v` at row 1" (MariaDB 10.5+ 1366)
  at = message.find("column `");
  if (at != std::string_view::npos) {
    size_t end = message.find(' ', at + 7);
    std::string_view name =
        message.substr(at + 7, end == std::string_view::npos ? std::string_view::npos : end - at - 7);
    size_t last = name.rfind("`.`");
    if (last != std::string_view::npos) name = name.substr(last + 2);
    if (name.size() >= 2 && name.front() == '`' && name.back() == '`') name = name.substr(1, name.size() - 2);
    return std::string(name);
  }
  return {};
}

std::string describe_warnings(const std::vector<ServerWarning>& warnings) {
  std::string out;
  for (const ServerWarning& w : warnings) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} {}: {}", w.level, w.code, w.message);
  }
  return out;
}

void check_batch_warnings(Connection& connection, const std::function<std::string(size_t)>& where,
                          const std::function<std::string(size_t)>& statement_text,
                          const std::function<std::vector<ServerWarning>(size_t)>& diagnose,
                          const std::function<uint32_t(size_t)>& expected) {
  const std::vector<StatementWarnings> list = connection.last_warnings();
  if (list.empty()) return;
  auto it = list.begin();
  while (it != list.end() && expected && it->count == expected(it->statement)) ++it;
  if (it == list.end()) return;
  const StatementWarnings first = *it;
  const size_t statements = connection.last_statement_count();
  std::string text;
  std::string column;
  // Only the batch's last statement keeps its diagnostics.
  std::vector<ServerWarning> shown;
  if (first.statement + 1 == statements) {
    shown = connection.show_warnings();
  } else if (diagnose) {
    shown = diagnose(first.statement);
  }
  if (shown.empty()) {
    text = "(the server keeps the text of a batch's last statement only)";
  } else {
    text = describe_warnings(shown);
    for (const ServerWarning& w : shown) {
      column = message_column(w.message);
      if (!column.empty()) break;
    }
  }
  std::string statement = statement_text ? statement_text(first.statement) : std::string();
  std::string table = statement_table(statement);
  std::string subject = table.empty() ? std::string("target") : table;
  if (!column.empty()) subject += " column " + quote_identifier(column);
  std::string position = where ? where(first.statement) : std::string();
  throw Error(
      Error::Kind::kServer,
      fmt::format("{}: the target changed a value it could not store exactly: statement {} of {} left {} "
                  "warning(s): {}{}{}; nothing of this target transaction is committed{}",
                  subject, first.statement + 1, statements, first.count, text, position.empty() ? "" : "; source ",
                  position, statement.empty() ? std::string() : "; statement: " + truncate_statement(statement, 200)));
}

}  // namespace galaxis::sql
