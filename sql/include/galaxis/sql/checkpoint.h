// galaxis/sql/checkpoint.h — the applied position, stored on the target.
//
// One row per stream in `<schema>`.`checkpoint`:
//   stream VARCHAR(64) PRIMARY KEY, binlog_file, binlog_position,
//   gtid_set, ddl_pending, updated_at
// The applier writes it with update_statement() inside the same target
// transaction as the rows it covers, so the row names exactly what is
// committed: a crash anywhere leaves rows and checkpoint consistent.
//
// DDL cannot share a transaction (it commits implicitly). Before a DDL the
// applier commits the checkpoint of everything before it with ddl_pending=1;
// the next checkpoint (after the DDL) clears it. A restart that finds
// ddl_pending=1 does not know whether that one DDL ran, and tolerates
// "already exists"/"does not exist" errors for the first DDL it replays.
//
// Not thread-safe; uses the caller's Connection. The schema and table are
// created when missing (the target user needs CREATE on the schema).
#pragma once

#include <optional>
#include <string>

#include "galaxis/binlog/position.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {

struct Checkpoint {
  binlog::BinlogPosition position;
  bool ddl_pending = false;
  std::string updated_at;  // "2026-11-26 01:02:03.456789" (UTC)
};

class CheckpointStore {
 public:
  CheckpointStore(std::string schema, std::string stream);

  // CREATE DATABASE/TABLE IF NOT EXISTS and the stream's row (empty).
  void ensure_table(Connection& connection) const;
  // nullopt when the stream has never committed a position.
  std::optional<Checkpoint> load(Connection& connection) const;
  // UPDATE ... WHERE stream = '...' (matches exactly one row). With
  // position nullopt only ddl_pending changes.
  std::string update_statement(const std::optional<binlog::BinlogPosition>& position, bool ddl_pending) const;
  std::string table_name() const;

 private:
  std::string schema_;
  std::string stream_;
};

}  // namespace galaxis::sql
