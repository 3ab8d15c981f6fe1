#include "galaxis/sql/sync/resume_state.h"

#include <algorithm>

#include "galaxis/sql/literal.h"

namespace galaxis::sql::sync {
namespace {

std::string key_literal(const std::optional<KeyValue>& key) { return key ? quoted(encode_key(*key)) : "NULL"; }

}  // namespace

ResumeState::ResumeState(std::string schema, std::string stream)
    : schema_(std::move(schema)), stream_(std::move(stream)) {}

std::string ResumeState::state_table() const { return qualified_name(schema_, "sync_state"); }
std::string ResumeState::progress_table() const { return qualified_name(schema_, "sync_progress"); }

void ResumeState::ensure_tables(Connection& target) const {
  with_context("creating the sync resume tables in " + quote_identifier(schema_), [&] {
    target.exec("CREATE DATABASE IF NOT EXISTS " + quote_identifier(schema_) + " DEFAULT CHARACTER SET utf8mb4");
    target.exec("CREATE TABLE IF NOT EXISTS " + state_table() +
                " (stream VARCHAR(64) NOT NULL PRIMARY KEY, binlog_file VARCHAR(512) NOT NULL,"
                " binlog_position BIGINT UNSIGNED NOT NULL, gtid_set LONGTEXT NULL,"
                " started_at TIMESTAMP(6) NULL, finished_at TIMESTAMP(6) NULL)"
                " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    target.exec("CREATE TABLE IF NOT EXISTS " + progress_table() +
                " (stream VARCHAR(64) NOT NULL, db VARCHAR(64) NOT NULL, tbl VARCHAR(64) NOT NULL,"
                " chunk BIGINT UNSIGNED NOT NULL, lower_key LONGTEXT NULL, upper_key LONGTEXT NULL,"
                " row_count BIGINT UNSIGNED NOT NULL DEFAULT 0, done TINYINT NOT NULL DEFAULT 0,"
                " updated_at TIMESTAMP(6) NULL, PRIMARY KEY (stream, db, tbl, chunk))"
                " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin");
  });
}

std::optional<CopyRun> ResumeState::load_run(Connection& target) const {
  Rows rows = target.query("SELECT binlog_file, binlog_position, gtid_set, finished_at IS NOT NULL FROM " +
                           state_table() + " WHERE stream = " + quoted(stream_));
  if (rows.empty()) return std::nullopt;
  CopyRun run;
  run.position.file = rows[0][0].value_or("");
  run.position.offset = std::stoull(rows[0][1].value_or("4"));
  run.position.gtid_executed = rows[0][2].value_or("");
  run.finished = rows[0][3].value_or("0") == "1";
  return run;
}

void ResumeState::start_run(Connection& target, const binlog::BinlogPosition& position) const {
  target.exec("START TRANSACTION; DELETE FROM " + progress_table() + " WHERE stream = " + quoted(stream_) +
              "; REPLACE INTO " + state_table() + " VALUES (" + quoted(stream_) + "," + quoted(position.file) + "," +
              std::to_string(position.offset) + "," + quoted(position.gtid_executed) + ", NOW(6), NULL); COMMIT");
}

void ResumeState::move_run(Connection& target, const binlog::BinlogPosition& position) const {
  target.exec("UPDATE " + state_table() + " SET binlog_file = " + quoted(position.file) +
              ", binlog_position = " + std::to_string(position.offset) +
              ", gtid_set = " + quoted(position.gtid_executed) + " WHERE stream = " + quoted(stream_));
}

void ResumeState::finish_run(Connection& target) const {
  target.exec("START TRANSACTION; DELETE FROM " + progress_table() + " WHERE stream = " + quoted(stream_) +
              "; UPDATE " + state_table() + " SET finished_at = NOW(6) WHERE stream = " + quoted(stream_) + "; COMMIT");
}

std::map<std::string, std::vector<ChunkRecord>> ResumeState::load_chunks(Connection& target) const {
  Rows rows = target.query("SELECT db, tbl, chunk, lower_key, upper_key, row_count, done FROM " + progress_table() +
                           " WHERE stream = " + quoted(stream_) + " ORDER BY db, tbl, chunk");
  std::map<std::string, std::vector<ChunkRecord>> out;
  for (const Row& row : rows) {
    ChunkRecord chunk;
    chunk.number = std::stoull(row[2].value_or("0"));
    if (row[3]) chunk.lower = decode_key(*row[3]);
    if (row[4]) chunk.upper = decode_key(*row[4]);
    chunk.rows = std::stoull(row[5].value_or("0"));
    chunk.done = row[6].value_or("0") == "1";
    out[row[0].value_or("") + '\0' + row[1].value_or("")].push_back(std::move(chunk));
  }
  return out;
}

std::string ResumeState::plan_statement(const SyncTable& table, const ChunkRecord& chunk) const {
  return "INSERT INTO " + progress_table() + " (stream, db, tbl, chunk, lower_key, upper_key, row_count, done," +
         " updated_at) VALUES (" + quoted(stream_) + "," + quoted(table.database) + "," + quoted(table.table) + "," +
         std::to_string(chunk.number) + "," + key_literal(chunk.lower) + "," + key_literal(chunk.upper) + "," +
         std::to_string(chunk.rows) + ",0,NOW(6)) ON DUPLICATE KEY UPDATE lower_key = " + key_literal(chunk.lower) +
         ", upper_key = " + key_literal(chunk.upper) + ", row_count = " + std::to_string(chunk.rows);
}

std::string ResumeState::done_statement(const SyncTable& table, const ChunkRecord& chunk) const {
  return "INSERT INTO " + progress_table() + " (stream, db, tbl, chunk, lower_key, upper_key, row_count, done," +
         " updated_at) VALUES (" + quoted(stream_) + "," + quoted(table.database) + "," + quoted(table.table) + "," +
         std::to_string(chunk.number) + "," + key_literal(chunk.lower) + "," + key_literal(chunk.upper) + "," +
         std::to_string(chunk.rows) +
         ",1,NOW(6)) ON DUPLICATE KEY UPDATE done = 1, row_count = " + std::to_string(chunk.rows) +
         ", updated_at = NOW(6)";
}

}  // namespace galaxis::sql::sync
