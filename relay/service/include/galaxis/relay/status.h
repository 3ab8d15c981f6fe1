// galaxis/relay/status.h — where the relay stands: the status row that
// `run` keeps on the target and the report `galaxis-relay status` prints.
//
// The status row lives next to the checkpoint, in `<schema>`.`status`, one
// row per stream: state, source version, the source position last received,
// the source timestamp of the last committed transaction, the last error and
// updated_at (UTC, written every few seconds by `run`). It is informational:
// unlike the checkpoint it is not part of the applied transactions, so it
// may trail the checkpoint by one write period.
//
// The report joins three views: the master's position and binlog sizes
// (SHOW MASTER STATUS / SHOW BINARY LOG STATUS, SHOW BINARY LOGS; the source
// user needs REPLICATION CLIENT), the checkpoint (applied position) and the
// status row. Lag in bytes is exact across files. Lag in events is the
// running relay's count of events received but not yet committed
// (events_pending in the status row), reported only when that row is fresh
// and the relay has received up to the master's current position — else
// unknown (null) with the reason (lag_events_reason): events the relay has
// not received yet could only be counted by reading the binlog. Lag in
// seconds is the master's clock minus the source timestamp of the last
// applied transaction while bytes are pending, else 0.
//
// Parallel apply keeps one checkpoint row per worker, "<stream>#k/N"
// (k = 1..N), instead of the plain "<stream>" row. Without a plain row the
// applied position is the minimum over the worker rows: everything below
// it is committed.
//
// The status table gained events_pending later: ensure_table() adds the
// column to an existing table, read() works without it.
//
// Errors: galaxis::Error from the connections (kAuth/kServer/kNetwork), with
// the role in the message. Not thread-safe (uses the caller's connections).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "galaxis/binlog/position.h"
#include "galaxis/relay/metrics.h"
#include "galaxis/sql/connection.h"

namespace galaxis::relay {

struct StatusRow {
  std::string state;
  std::string source_version;
  binlog::BinlogPosition source_position;
  uint32_t applied_event_timestamp = 0;  // unix seconds, 0 = unknown
  std::string last_error;
  std::string last_error_at;               // "" when none
  std::string updated_at;                  // UTC "YYYY-MM-DD hh:mm:ss.ffffff"
  int64_t seconds_since_update = -1;       // computed by the target's clock at read time
  std::optional<uint64_t> events_pending;  // null: not counted (or an older relay)
  // UTC "YYYY-MM-DD hh:mm:ss.ffffff" of the source's last binlog event /
  // heartbeat the relay received; "" = none (or an older relay).
  std::string last_event_received_at;
  std::string last_heartbeat_at;
};

class StatusStore {
 public:
  StatusStore(std::string schema, std::string stream);

  void ensure_table(sql::Connection& target) const;
  // Upserts the stream's row from a metrics snapshot (autocommit).
  void write(sql::Connection& target, const MetricsSnapshot& snapshot) const;
  // nullopt when the table or the row does not exist.
  std::optional<StatusRow> read(sql::Connection& target) const;

 private:
  std::string schema_;
  std::string stream_;
};

struct BinlogFileSize {
  std::string name;
  uint64_t size = 0;
};

// Bytes from `applied` to `master` over the master's binlog files (sizes
// from SHOW BINARY LOGS, in order). nullopt when `applied` names a file the
// master no longer has (purged) or is past `master`.
std::optional<uint64_t> binlog_bytes_between(const std::vector<BinlogFileSize>& files,
                                             const binlog::BinlogPosition& applied,
                                             const binlog::BinlogPosition& master);

// A checkpoint row of parallel apply: "<stream>#k/N", 1 <= k <= N.
struct WorkerCheckpoint {
  std::string name;
  binlog::BinlogPosition position;
};
// The lowest position (sql::position_before: file index, then offset);
// nullopt for none. Worker names are sql::parse_worker_stream_name's.
std::optional<WorkerCheckpoint> min_worker_checkpoint(const std::vector<WorkerCheckpoint>& workers);

// What `status --health-url` got from a running relay's /health.
struct HealthProbe {
  std::string url;
  unsigned http_status = 0;  // 0: unreachable (see error)
  std::string body;          // the JSON the relay served
  std::string state;         // its "state", "" when unknown
  std::string error;         // why it could not be read
};
// GETs `url`; network failures land in `error` (Error(kUsage) for a bad URL).
HealthProbe probe_health(const std::string& url);

// The pair view `status` adds (promote.h fills it): each server's role row,
// the files and code gates and the one-line promotion verdict.
struct PairView {
  std::string source_role;  // "active (epoch 1, since ... UTC)", "passive (no role row)", ...
  std::string target_role;
  std::optional<double> mirror_age_seconds;
  std::string files;  // the checklist's files line
  std::optional<std::string> target_release;
  std::optional<std::string> source_release;
  std::string code;  // the checklist's code line
  bool safe = false;
  std::string verdict;  // "safe to promote: yes" / "safe to promote: no because ..."
  struct Check {
    std::string name, state, detail;
  };
  std::vector<Check> checks;
};

struct StatusReport {
  std::string stream;
  std::string source;  // user@host:port
  std::string target;
  std::string source_version;
  binlog::BinlogPosition master_position;
  std::optional<binlog::BinlogPosition> applied_position;  // nullopt: never checkpointed
  // Parallel apply: the applied position is the minimum of these worker rows ("" / 0 otherwise).
  std::string applied_worker;
  size_t worker_rows = 0;
  std::string checkpoint_updated_at;
  bool ddl_pending = false;
  std::optional<uint64_t> lag_bytes;
  std::optional<uint64_t> lag_events;
  std::string lag_events_reason;  // why lag_events is unknown
  std::optional<double> lag_seconds;
  std::string relay_state;  // from the status row and its freshness: "streaming", "not running (...)", ...
  std::optional<StatusRow> row;
  std::string last_error;
  bool applied_file_purged = false;
  std::optional<HealthProbe> health;  // with --health-url
  std::optional<PairView> pair;       // filled by the CLI (promote.h's pair_view())
};

struct StatusOptions {
  std::string stream = "default";
  std::string checkpoint_schema = "galaxis_relay";
  // A status row older than this means the relay is not running.
  int64_t stale_after_seconds = 30;
};

// The master's current write position (+ GTID state) via the flavour's statement.
binlog::BinlogPosition read_master_position(sql::Connection& source);
std::vector<BinlogFileSize> read_binlog_sizes(sql::Connection& source);

StatusReport collect_status(sql::Connection& source, sql::Connection& target, const StatusOptions& options);
// The target's half of collect_status(): applied position (checkpoint or
// lowest worker row), status row, relay state, last error. For `promote`
// when the master is unreachable.
void collect_target_status(sql::Connection& target, const StatusOptions& options, StatusReport& report);
// Human table, one "name: value" line per field, aligned.
std::string render_status_text(const StatusReport& report);
// JSON object (nlohmann-json), unknown values as null.
std::string render_status_json(const StatusReport& report);

}  // namespace galaxis::relay
