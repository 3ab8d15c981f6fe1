// galaxis/sql/role_store.h — which server of a pair takes the writes.
//
// Each server of a pair keeps its own view in `<schema>`.`role` (the
// checkpoint schema, which the relay never replicates), one row per pair:
//   pair VARCHAR(64) PRIMARY KEY        the stream name of the relay
//   role ENUM('active','passive','fenced')
//   epoch BIGINT UNSIGNED               +1 on every promotion; a server whose
//                                       epoch is below its peer's is stale
//   promoted_source_*                   the old active's position the new
//                                       active had applied when promoted
//   own_binlog_*                        the promoted server's own binlog
//                                       position at that moment (the start of
//                                       a reverse relay), NULL without binlog
//   changed_at, changed_by              when and by what (host + command)
//
// A missing row means "never set": a relay treats its target as passive.
// The relay never applies to a server whose row says active: it reads the
// row after taking the stream lock (stream_lock.h), and promote flips the
// row only while it holds that same lock, after the relay has stopped — so
// no relay transaction can be in flight across a promotion.
//
// Not thread-safe; uses the caller's Connection. ensure_table() needs CREATE
// on the schema (the target user has it for the checkpoint already).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "galaxis/binlog/position.h"
#include "galaxis/sql/connection.h"

namespace galaxis::sql {

enum class ServerRole { kActive, kPassive, kFenced };

std::string_view role_name(ServerRole role);  // "active", "passive", "fenced"
// Error(kUsage) naming the text when it is not one of role_name()'s values.
ServerRole parse_role(std::string_view text);

struct RoleRecord {
  ServerRole role = ServerRole::kPassive;
  uint64_t epoch = 0;
  std::optional<binlog::BinlogPosition> promoted_source;  // file/offset/gtid_executed
  std::optional<binlog::BinlogPosition> own_binlog;
  std::string changed_at;  // "2026-12-05 11:02:03.456789" (UTC), set by the server on store()
  std::string changed_by;
};

class RoleStore {
 public:
  RoleStore(std::string schema, std::string pair);

  // CREATE DATABASE/TABLE IF NOT EXISTS (no row is inserted).
  void ensure_table(Connection& connection) const;
  // nullopt when the table or the pair's row does not exist.
  std::optional<RoleRecord> load(Connection& connection) const;
  // Writes the whole row (REPLACE: one row per pair); changed_at is
  // the server's UTC_TIMESTAMP(6). Runs in the caller's transaction, if any.
  void store(Connection& connection, const RoleRecord& record) const;
  std::string table_name() const;
  const std::string& pair() const { return pair_; }

 private:
  std::string schema_;
  std::string pair_;
};

}  // namespace galaxis::sql
