#include "galaxis/sql/sync/snapshot.h"

#include <chrono>
#include <optional>
#include <string>
#include <thread>

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

// SHOW BINARY LOG STATUS: file, offset and Executed_Gtid_Set (newlines removed).
binlog::BinlogPosition binary_log_status(Connection& source) {
  Rows status;
  try {
    status = source.query("SHOW BINARY LOG STATUS");
  } catch (const Error&) {
    status = source.query("SHOW MASTER STATUS");  // before 8.2
  }
  if (status.empty() || !status[0][0]) {
    throw_error(Error::Kind::kUnsupported, "source {}: the binary log is off (log_bin)", source.display());
  }
  binlog::BinlogPosition position;
  position.file = *status[0][0];
  position.offset = std::stoull(status[0][1].value_or("4"));
  if (status[0].size() > 4) position.gtid_executed = status[0][4].value_or("");
  std::erase(position.gtid_executed, '\n');
  return position;
}

// How long the lock-free way waits for a moment without commits in flight.
constexpr auto kLockFreeBudget = std::chrono::seconds(5);

// MySQL with GTIDs, no lock and no privilege beyond REPLICATION CLIENT:
//   P1 = SHOW BINARY LOG STATUS; START TRANSACTION WITH CONSISTENT SNAPSHOT;
//   O = @@GLOBAL.gtid_owned; P2 = SHOW BINARY LOG STATUS
// and accept when P1 == P2 (file, offset and executed GTID set) and O is
// empty; else roll back and try again. Why that is exact (MySQL 8.0+, whose
// commit pipeline writes a transaction to the binlog (flush stage), commits
// it in InnoDB, and only then moves its GTID from owned to executed in one
// critical section — binlog.cc process_commit_stage_queue, with
// binlog_order_commits=ON; the owned/executed variables are read under the
// lock that section excludes):
//   * a transaction the snapshot sees committed in InnoDB before it, so was
//     in the binlog before it; written after P1 it would have moved the end
//     of the binlog before P2: so it lies before P1;
//   * a transaction before P1 that the snapshot does not see was not yet
//     committed in InnoDB, so its GTID was still owned when the snapshot
//     began: at O it is still owned (O not empty), or it finished since and
//     its GTID is executed at P2 but was not at P1 (sets differ).
// So on acceptance the snapshot holds exactly the binlog up to P1 = the
// transactions of its GTID set. Other sessions owning a GTID (SET
// GTID_NEXT) or a master that never pauses for the few round trips make it
// give up after kLockFreeBudget; nullopt then, or when gtid_mode is not ON.
std::optional<binlog::BinlogPosition> mysql_lock_free_snapshot(Connection& source, std::string* why_not) {
  const std::string gtid_mode = source.query_value("SELECT @@GLOBAL.gtid_mode").value_or("");
  const std::string order_commits = source.query_value("SELECT @@GLOBAL.binlog_order_commits").value_or("");
  if (gtid_mode != "ON" || order_commits != "1") {
    *why_not = fmt::format("gtid_mode is {} and binlog_order_commits {} (the lock-free way needs ON and 1)", gtid_mode,
                           order_commits);
    return std::nullopt;
  }
  const auto deadline = std::chrono::steady_clock::now() + kLockFreeBudget;
  unsigned attempts = 0;
  std::string last_owned;
  while (std::chrono::steady_clock::now() < deadline) {
    ++attempts;
    const binlog::BinlogPosition before = binary_log_status(source);
    source.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    const std::string owned = source.query_value("SELECT @@GLOBAL.gtid_owned").value_or("");
    const binlog::BinlogPosition after = binary_log_status(source);
    if (owned.empty() && before.file == after.file && before.offset == after.offset &&
        before.gtid_executed == after.gtid_executed) {
      log::info("sync: MySQL snapshot without a lock after {} attempt(s): no commit in flight around it", attempts);
      return before;
    }
    if (!owned.empty()) last_owned = owned;
    source.exec("ROLLBACK");
    if (attempts > 20) std::this_thread::sleep_for(std::chrono::milliseconds(attempts > 200 ? 10 : 1));
  }
  *why_not =
      fmt::format("no moment without commits in flight came in {} s ({} attempts{})", kLockFreeBudget.count(), attempts,
                  last_owned.empty() ? "" : fmt::format("; GTIDs owned by other sessions, e.g. {}", last_owned));
  return std::nullopt;
}

binlog::BinlogPosition mysql_snapshot(Connection& source) {
  std::string why_not;
  if (auto position = mysql_lock_free_snapshot(source, &why_not)) return *position;
  log::info("sync: MySQL snapshot without a lock not possible: {}; taking it under a brief global read lock", why_not);
  try {
    source.exec("FLUSH TABLES WITH READ LOCK");
  } catch (Error& e) {
    if (e.kind() != Error::Kind::kAuth) throw;
    throw_error(Error::Kind::kAuth,
                "source {}: a snapshot's binlog position on MySQL needs either a moment without commits in flight "
                "(gtid_mode=ON; {}) or a brief global read lock, which needs the RELOAD privilege (GRANT RELOAD "
                "ON *.* TO the source user, or GRANT FLUSH_TABLES ON *.* where the server knows it, as MySQL 9.7 "
                "does); MariaDB needs "
                "none. ({})",
                source.display(), why_not, e.what());
  }
  binlog::BinlogPosition position;
  try {
    source.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    position = binary_log_status(source);
  } catch (...) {
    try {
      source.exec("UNLOCK TABLES");
    } catch (const Error& unlock_error) {
      // The session's locks go with it; the first error is the one to report.
      log::debug("sync: UNLOCK TABLES after a failed snapshot start failed too: {}", unlock_error.what());
    }
    throw;
  }
  source.exec("UNLOCK TABLES");
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
