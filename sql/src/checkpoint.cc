#include "galaxis/sql/checkpoint.h"

#include "galaxis/sql/literal.h"

namespace galaxis::sql {

CheckpointStore::CheckpointStore(std::string schema, std::string stream)
    : schema_(std::move(schema)), stream_(std::move(stream)) {
  if (stream_.empty() || stream_.size() > 64) {
    throw_error(Error::Kind::kUsage, "stream name must be 1..64 bytes, got '{}'", stream_);
  }
}

std::string CheckpointStore::table_name() const { return qualified_name(schema_, "checkpoint"); }

void CheckpointStore::ensure_table(Connection& connection) const {
  with_context("creating the checkpoint table " + table_name(), [&] {
    connection.exec("CREATE DATABASE IF NOT EXISTS " + quote_identifier(schema_) + " DEFAULT CHARACTER SET utf8mb4");
    connection.exec("CREATE TABLE IF NOT EXISTS " + table_name() +
                    " (stream VARCHAR(64) NOT NULL PRIMARY KEY,"
                    " binlog_file VARCHAR(512) NULL,"
                    " binlog_position BIGINT UNSIGNED NULL,"
                    " gtid_set LONGTEXT NULL,"
                    " ddl_pending TINYINT NOT NULL DEFAULT 0,"
                    " updated_at TIMESTAMP(6) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    connection.exec("INSERT IGNORE INTO " + table_name() + " (stream) VALUES (" + quoted(stream_) + ")");
  });
}

std::optional<Checkpoint> CheckpointStore::load(Connection& connection) const {
  Rows rows = with_context("reading the checkpoint from " + table_name(), [&] {
    return connection.query("SELECT binlog_file, binlog_position, gtid_set, ddl_pending, updated_at FROM " +
                            table_name() + " WHERE stream = " + quoted(stream_));
  });
  if (rows.empty()) return std::nullopt;
  const Row& row = rows[0];
  Checkpoint checkpoint;
  checkpoint.ddl_pending = row[3].value_or("0") != "0";
  checkpoint.updated_at = row[4].value_or("");
  if (!row[0] || !row[1]) {
    if (checkpoint.ddl_pending) {
      // A DDL was about to run before anything else was committed.
      checkpoint.position.file.clear();
      return checkpoint;
    }
    return std::nullopt;
  }
  checkpoint.position.file = *row[0];
  checkpoint.position.offset = std::stoull(*row[1]);
  checkpoint.position.gtid_executed = row[2].value_or("");
  return checkpoint;
}

std::string CheckpointStore::update_statement(const std::optional<binlog::BinlogPosition>& position,
                                              bool ddl_pending) const {
  std::string sql = "UPDATE " + table_name() + " SET ";
  if (position) {
    sql += "binlog_file=" + quoted(position->file) + ",binlog_position=" + std::to_string(position->offset) +
           ",gtid_set=" + quoted(position->gtid_executed) + ",";
  }
  sql += std::string("ddl_pending=") + (ddl_pending ? "1" : "0") + ",updated_at=NOW(6) WHERE stream=" + quoted(stream_);
  return sql;
}

}  // namespace galaxis::sql
