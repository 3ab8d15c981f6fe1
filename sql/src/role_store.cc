#include "galaxis/sql/role_store.h"

#include "galaxis/common/error.h"
#include "galaxis/sql/literal.h"

namespace galaxis::sql {
namespace {

std::string nullable(const std::optional<std::string>& s) { return s ? quoted(*s) : "NULL"; }

// The three columns of a position, or NULLs.
std::string position_values(const std::optional<binlog::BinlogPosition>& p) {
  if (!p) return "NULL, NULL, NULL";
  return quoted(p->file) + ", " + std::to_string(p->offset) + ", " + quoted(p->gtid_executed);
}

std::optional<binlog::BinlogPosition> position_of(const Row& row, size_t first) {
  if (!row[first] || !row[first + 1]) return std::nullopt;
  binlog::BinlogPosition p;
  p.file = *row[first];
  p.offset = std::stoull(*row[first + 1]);
  p.gtid_executed = row[first + 2].value_or("");
  return p;
}

}  // namespace

std::string_view role_name(ServerRole role) {
  switch (role) {
    case ServerRole::kActive: return "active";
    case ServerRole::kPassive: return "passive";
    case ServerRole::kFenced: return "fenced";
  }
  return "unknown";
}

ServerRole parse_role(std::string_view text) {
  for (ServerRole r : {ServerRole::kActive, ServerRole::kPassive, ServerRole::kFenced}) {
    if (text == role_name(r)) return r;
  }
  throw_error(Error::Kind::kUsage, "unknown role '{}' (expected active, passive or fenced)", text);
}

RoleStore::RoleStore(std::string schema, std::string pair) : schema_(std::move(schema)), pair_(std::move(pair)) {
  if (pair_.empty() || pair_.size() > 64) {
    throw_error(Error::Kind::kUsage, "pair (stream) name must be 1..64 bytes, got '{}'", pair_);
  }
}

std::string RoleStore::table_name() const { return qualified_name(schema_, "role"); }

void RoleStore::ensure_table(Connection& connection) const {
  with_context("creating the role table " + table_name(), [&] {
    connection.exec("CREATE DATABASE IF NOT EXISTS " + quote_identifier(schema_) + " DEFAULT CHARACTER SET utf8mb4");
    connection.exec("CREATE TABLE IF NOT EXISTS " + table_name() +
                    " (pair VARCHAR(64) NOT NULL PRIMARY KEY,"
                    " role ENUM('active','passive','fenced') NOT NULL,"
                    " epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,"
                    " promoted_source_file VARCHAR(512) NULL,"
                    " promoted_source_position BIGINT UNSIGNED NULL,"
                    " promoted_source_gtid LONGTEXT NULL,"
                    " own_binlog_file VARCHAR(512) NULL,"
                    " own_binlog_position BIGINT UNSIGNED NULL,"
                    " own_binlog_gtid LONGTEXT NULL,"
                    " changed_at TIMESTAMP(6) NULL,"
                    " changed_by VARCHAR(255) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  });
}

std::optional<RoleRecord> RoleStore::load(Connection& connection) const {
  Rows rows = with_context("reading the role from " + table_name(), [&] {
    try {
      return connection.query(
          "SELECT role, epoch, promoted_source_file, promoted_source_position, promoted_source_gtid,"
          " own_binlog_file, own_binlog_position, own_binlog_gtid, changed_at, changed_by FROM " +
          table_name() + " WHERE pair = " + quoted(pair_));
    } catch (const Error& e) {
      // No schema (1049) or no table (1146) yet: never set. One query per
      // read, where asking information_schema first took two.
      if (e.server_errno() == 1049 || e.server_errno() == 1146) return Rows{};
      throw;
    }
  });
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  RoleRecord record;
  record.role = parse_role(row[0].value_or(""));
  record.epoch = std::stoull(row[1].value_or("0"));
  record.promoted_source = position_of(row, 2);
  record.own_binlog = position_of(row, 5);
  record.changed_at = row[8].value_or("");
  record.changed_by = row[9].value_or("");
  return record;
}

void RoleStore::store(Connection& connection, const RoleRecord& record) const {
  const std::string sql =
      "REPLACE INTO " + table_name() +
      " (pair, role, epoch, promoted_source_file, promoted_source_position, promoted_source_gtid,"
      " own_binlog_file, own_binlog_position, own_binlog_gtid, changed_at, changed_by) VALUES (" +
      quoted(pair_) + ", " + quoted(role_name(record.role)) + ", " + std::to_string(record.epoch) + ", " +
      position_values(record.promoted_source) + ", " + position_values(record.own_binlog) + ", UTC_TIMESTAMP(6), " +
      nullable(record.changed_by.empty() ? std::nullopt : std::optional<std::string>(record.changed_by)) + ")";
  with_context("writing the role to " + table_name(), [&] { connection.exec(sql); });
}

}  // namespace galaxis::sql
