#include "galaxis/sql/sync/snapshot.h"

#include "galaxis/common/log.h"

namespace galaxis::sql::sync {

void setup_read_session(Connection& connection) {
  connection.exec(
      "SET SESSION time_zone='+00:00', character_set_results=NULL; "
      "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
}

namespace {

binlog::BinlogPosition mariadb_snapshot(Connection& source) {
  source.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  Rows status = source.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
  binlog::BinlogPosition position;
  bool have_offset = false;
  for (const Row& row : status) {
    const std::string name = row[0].value_or("");
    if (name == "Binlog_snapshot_file") position.file = row[1].value_or("");
    if (name == "Binlog_snapshot_position") {
      position.offset = std::stoull(row[1].value_or("0"));
      have_offset = true;
    }
  }
  if (position.file.empty() || !have_offset) {
    throw_error(Error::Kind::kUnsupported,
                "source {}: Binlog_snapshot_file is empty: the binary log is off (log_bin), so there is no "
                "position to stream from after the copy",
                source.display());
  }
  position.gtid_executed = source
                               .query_value("SELECT BINLOG_GTID_POS(" + source.quote(position.file) + "," +
                                            std::to_string(position.offset) + ")")
                               .value_or("");
  return position;
}

binlog::BinlogPosition mysql_snapshot(Connection& source) {
  try {
    source.exec("FLUSH TABLES WITH READ LOCK");
  } catch (Error& e) {
    if (e.kind() != Error::Kind::kAuth) throw;
    throw_error(Error::Kind::kAuth,
                "source {}: MySQL gives a snapshot's binlog position only under a brief global read lock, "
                "which needs the RELOAD privilege (GRANT RELOAD ON *.* TO the source user); MariaDB needs "
                "none. ({})",
                source.display(), e.what());
  }
  binlog::BinlogPosition position;
  try {
    source.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    Rows status;
    try {
      status = source.query("SHOW BINARY LOG STATUS");
    } catch (const Error&) {
      status = source.query("SHOW MASTER STATUS");  // before 8.2
    }
    if (status.empty() || !status[0][0]) {
      throw_error(Error::Kind::kUnsupported, "source {}: the binary log is off (log_bin)", source.display());
    }
    position.file = *status[0][0];
    position.offset = std::stoull(status[0][1].value_or("4"));
    if (status[0].size() > 4) position.gtid_executed = status[0][4].value_or("");
  } catch (...) {
    try {
      source.exec("UNLOCK TABLES");
    } catch (...) {
    }
    throw;
  }
  source.exec("UNLOCK TABLES");
  // Strip the newlines MySQL puts into long GTID sets.
  std::string gtid;
  for (char c : position.gtid_executed) {
    if (c != '\n') gtid += c;
  }
  position.gtid_executed = gtid;
  return position;
}

}  // namespace

binlog::BinlogPosition open_consistent_snapshot(Connection& source) {
  return with_context("taking a consistent snapshot of the source", [&] {
    setup_read_session(source);
    binlog::BinlogPosition position = source.is_mariadb() ? mariadb_snapshot(source) : mysql_snapshot(source);
    log::info("sync: source snapshot at {} (gtid '{}')", position.to_string(), position.gtid_executed);
    return position;
  });
}

}  // namespace galaxis::sql::sync
