#include "galaxis/relay/status.h"

#include <fmt/format.h>

#include <charconv>

#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/relay/http_client.h"
#include "galaxis/sql/literal.h"
#include "galaxis/sql/parallel_checkpoint.h"

namespace galaxis::relay {
namespace {

std::string sql_text(std::string_view s) {
  std::string out;
  sql::append_quoted(&out, s);
  return out;
}

std::string table_of(const std::string& schema) { return sql::qualified_name(schema, "status"); }

bool has_status_column(sql::Connection& target, const std::string& schema, const char* column) {
  return target
             .query_value("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema=" + sql_text(schema) +
                          " AND table_name='status' AND column_name='" + column + "'")
             .value_or("0") != "0";
}
bool has_events_pending_column(sql::Connection& target, const std::string& schema) {
  return has_status_column(target, schema, "events_pending");
}

std::string unix_us_sql(int64_t us) {
  if (us <= 0) return "NULL";
  return fmt::format("FROM_UNIXTIME({}.{:06})", us / 1000000, us % 1000000);
}

// "binlog.000012" → 12; files of one master share the base name.
std::optional<uint64_t> file_index(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return std::nullopt;
  uint64_t value = 0;
  for (char c : name.substr(dot + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

StatusStore::StatusStore(std::string schema, std::string stream)
    : schema_(std::move(schema)), stream_(std::move(stream)) {}

void StatusStore::ensure_table(sql::Connection& target) const {
  with_context("creating the status table " + table_of(schema_), [&] {
    target.exec("CREATE DATABASE IF NOT EXISTS " + sql::quote_identifier(schema_) + " DEFAULT CHARACTER SET utf8mb4");
    target.exec("CREATE TABLE IF NOT EXISTS " + table_of(schema_) +
                " (stream VARCHAR(64) NOT NULL PRIMARY KEY,"
                " state VARCHAR(32) NOT NULL,"
                " source_version VARCHAR(128) NULL,"
                " source_file VARCHAR(512) NULL,"
                " source_position BIGINT UNSIGNED NULL,"
                " applied_event_timestamp BIGINT UNSIGNED NULL,"
                " last_error TEXT NULL,"
                " last_error_at TIMESTAMP(6) NULL,"
                " updated_at TIMESTAMP(6) NULL,"
                " events_pending BIGINT UNSIGNED NULL,"
                " last_event_received_at TIMESTAMP(6) NULL,"
                " last_heartbeat_at TIMESTAMP(6) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    // Tables created by earlier versions lack events_pending / the receive times.
    if (!has_events_pending_column(target, schema_)) {
      target.exec("ALTER TABLE " + table_of(schema_) + " ADD COLUMN events_pending BIGINT UNSIGNED NULL");
    }
    if (!has_status_column(target, schema_, "last_heartbeat_at")) {
      target.exec(
          "ALTER TABLE " + table_of(schema_) +
          " ADD COLUMN last_event_received_at TIMESTAMP(6) NULL, ADD COLUMN last_heartbeat_at TIMESTAMP(6) NULL");
    }
  });
}

void StatusStore::write(sql::Connection& target, const MetricsSnapshot& s) const {
  std::string error_at = "NULL";
  if (!s.last_error.empty()) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(s.last_error_at.time_since_epoch()).count();
    error_at = fmt::format("FROM_UNIXTIME({}.{:06})", micros / 1000000, micros % 1000000);
  }
  const std::string values = fmt::format(
      "state={},source_version={},source_file={},source_position={},applied_event_timestamp={},last_error={},"
      "last_error_at={},updated_at=NOW(6),events_pending={},last_event_received_at={},last_heartbeat_at={}",
      sql_text(to_string(s.state)), sql_text(s.source_version), sql_text(s.source_position.file),
      s.source_position.offset, s.applied_event_timestamp,
      s.last_error.empty() ? std::string("NULL") : sql_text(s.last_error), error_at,
      s.events_pending ? std::to_string(*s.events_pending) : std::string("NULL"),
      unix_us_sql(s.last_event_received_unix_us), unix_us_sql(s.last_heartbeat_unix_us));
  target.exec("INSERT INTO " + table_of(schema_) + " SET stream=" + sql_text(stream_) + "," + values +
              " ON DUPLICATE KEY UPDATE " + values);
}

std::optional<StatusRow> StatusStore::read(sql::Connection& target) const {
  const auto exists =
      target.query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=" + sql_text(schema_) +
                         " AND table_name='status'");
  if (exists.value_or("0") == "0") return std::nullopt;
  sql::Rows rows = target.query(
      "SELECT state, source_version, source_file, source_position, applied_event_timestamp, last_error,"
      " last_error_at, updated_at, TIMESTAMPDIFF(SECOND, updated_at, NOW(6)), " +
      std::string(has_events_pending_column(target, schema_) ? "events_pending" : "NULL") + ", " +
      std::string(has_status_column(target, schema_, "last_heartbeat_at") ? "last_event_received_at, last_heartbeat_at"
                                                                          : "NULL, NULL") +
      " FROM " + table_of(schema_) + " WHERE stream=" + sql_text(stream_));
  if (rows.empty()) return std::nullopt;
  const sql::Row& r = rows[0];
  StatusRow row;
  row.state = r[0].value_or("");
  row.source_version = r[1].value_or("");
  row.source_position.file = r[2].value_or("");
  row.source_position.offset = r[3] ? std::stoull(*r[3]) : 0;
  row.applied_event_timestamp = r[4] ? static_cast<uint32_t>(std::stoull(*r[4])) : 0;
  row.last_error = r[5].value_or("");
  row.last_error_at = r[6].value_or("");
  row.updated_at = r[7].value_or("");
  row.seconds_since_update = r[8] ? std::stoll(*r[8]) : -1;
  if (r[9]) row.events_pending = std::stoull(*r[9]);
  row.last_event_received_at = r[10].value_or("");
  row.last_heartbeat_at = r[11].value_or("");
  return row;
}

std::optional<uint64_t> binlog_bytes_between(const std::vector<BinlogFileSize>& files,
                                             const binlog::BinlogPosition& applied,
                                             const binlog::BinlogPosition& master) {
  if (applied.file == master.file) {
    if (applied.offset > master.offset) return std::nullopt;
    return master.offset - applied.offset;
  }
  const auto applied_index = file_index(applied.file);
  const auto master_index = file_index(master.file);
  if (!applied_index || !master_index || *applied_index > *master_index) return std::nullopt;
  bool found = false;
  uint64_t total = 0;
  for (const BinlogFileSize& f : files) {
    if (f.name == applied.file) {
      found = true;
      if (applied.offset > f.size) return std::nullopt;
      total += f.size - applied.offset;
      continue;
    }
    if (f.name == master.file) {
      if (!found) return std::nullopt;
      return total + master.offset;
    }
    if (found) total += f.size;
  }
  return std::nullopt;
}

std::optional<WorkerCheckpoint> min_worker_checkpoint(const std::vector<WorkerCheckpoint>& workers) {
  std::optional<WorkerCheckpoint> lowest;
  for (const WorkerCheckpoint& w : workers) {
    if (!lowest || sql::position_before(w.position, lowest->position)) lowest = w;
  }
  return lowest;
}

HealthProbe probe_health(const std::string& url) {
  HealthProbe probe;
  probe.url = url;
  try {
    const HttpResult result = http_get(url);
    probe.http_status = result.status;
    probe.body = result.body;
    const auto json = nlohmann::json::parse(result.body, nullptr, false);
    if (json.is_object() && json.contains("state") && json["state"].is_string()) {
      probe.state = json["state"].get<std::string>();
    } else {
      probe.error =
          fmt::format("HTTP {} without a JSON body with a \"state\" (is this a galaxis-relay /health?)", result.status);
    }
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::kUsage) throw;
    probe.error = fmt::format("health endpoint {}", e.what());
  }
  return probe;
}

binlog::BinlogPosition read_master_position(sql::Connection& source) {
  sql::Rows rows;
  try {
    rows = source.query("SHOW BINARY LOG STATUS");  // MySQL 8.4+ (8.0.22+ accepts it too)
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kServer) throw;
    rows = source.query("SHOW MASTER STATUS");
  }
  if (rows.empty() || !rows[0][0]) {
    throw_error(Error::Kind::kServer,
                "source {}: SHOW MASTER STATUS returned nothing: the binary log is off (set log_bin) or the user "
                "lacks REPLICATION CLIENT / BINLOG MONITOR",
                source.display());
  }
  binlog::BinlogPosition position;
  position.file = *rows[0][0];
  position.offset = std::stoull(rows[0][1].value_or("4"));
  if (source.is_mariadb()) {
    position.gtid_executed = source.query_value("SELECT @@GLOBAL.gtid_binlog_pos").value_or("");
  } else if (rows[0].size() >= 5) {
    position.gtid_executed = rows[0][4].value_or("");
    std::erase(position.gtid_executed, '\n');
  }
  return position;
}

std::vector<BinlogFileSize> read_binlog_sizes(sql::Connection& source) {
  std::vector<BinlogFileSize> files;
  for (const sql::Row& row : source.query("SHOW BINARY LOGS")) {
    files.push_back({row[0].value_or(""), std::stoull(row[1].value_or("0"))});
  }
  return files;
}

void collect_target_status(sql::Connection& target, const StatusOptions& options, StatusReport& report) {
  report.stream = options.stream;
  report.target = target.display();
  target.exec("SET time_zone='+00:00'");
  const std::string checkpoint_table = sql::qualified_name(options.checkpoint_schema, "checkpoint");
  const auto has_checkpoint = target.query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=" +
                                                 sql_text(options.checkpoint_schema) + " AND table_name='checkpoint'");
  if (has_checkpoint.value_or("0") != "0") {
    const std::string prefix = sql_text(options.stream + "#");
    // The plain row first; worker rows of parallel apply ("<stream>#k/N") after it.
    sql::Rows rows =
        target.query("SELECT stream, binlog_file, binlog_position, gtid_set, ddl_pending, updated_at FROM " +
                     checkpoint_table + " WHERE stream=" + sql_text(options.stream) + " OR LEFT(stream, CHAR_LENGTH(" +
                     prefix + "))=" + prefix + " ORDER BY stream=" + sql_text(options.stream) + " DESC");
    const auto position_of = [](const sql::Row& row) {
      return binlog::BinlogPosition{*row[1], std::stoull(*row[2]), row[3].value_or("")};
    };
    const sql::Row* applied_row = nullptr;
    if (!rows.empty() && rows[0][0] == options.stream) {
      if (rows[0][1] && rows[0][2]) applied_row = &rows[0];
    } else {
      std::vector<WorkerCheckpoint> workers;
      for (const sql::Row& row : rows) {
        if (!row[0] || !row[1] || !row[2] || !sql::parse_worker_stream_name(options.stream, *row[0])) continue;
        workers.push_back({*row[0], position_of(row)});
      }
      if (const auto lowest = min_worker_checkpoint(workers)) {
        for (const sql::Row& row : rows) {
          if (row[0] == lowest->name) applied_row = &row;
        }
        report.applied_worker = lowest->name;
        report.worker_rows = workers.size();
      }
    }
    if (applied_row) {
      report.applied_position = position_of(*applied_row);
      report.ddl_pending = (*applied_row)[4].value_or("0") != "0";
      report.checkpoint_updated_at = (*applied_row)[5].value_or("");
    }
  }
  report.row = StatusStore(options.checkpoint_schema, options.stream).read(target);
  if (!report.row) {
    report.relay_state = "never run";
  } else if (report.row->seconds_since_update < 0 || report.row->seconds_since_update > options.stale_after_seconds) {
    report.relay_state =
        fmt::format("not running (last seen {} s ago as {})", report.row->seconds_since_update, report.row->state);
  } else {
    report.relay_state = report.row->state;
  }
  if (report.row) report.last_error = report.row->last_error;
}

StatusReport collect_status(sql::Connection& source, sql::Connection& target, const StatusOptions& options) {
  StatusReport report;
  report.stream = options.stream;
  report.source = source.display();
  report.target = target.display();
  report.source_version = source.server_version();
  report.master_position = with_context("source " + source.display(), [&] { return read_master_position(source); });
  const auto files = with_context("source " + source.display(), [&] { return read_binlog_sizes(source); });

  collect_target_status(target, options, report);

  if (report.applied_position) {
    report.lag_bytes = binlog_bytes_between(files, *report.applied_position, report.master_position);
    bool known = false;
    for (const auto& f : files) known = known || f.name == report.applied_position->file;
    report.applied_file_purged = !known;
    if (report.lag_bytes && *report.lag_bytes == 0) {
      report.lag_seconds = 0;
    } else if (report.lag_bytes && report.row && report.row->applied_event_timestamp != 0) {
      const auto now = source.query_value("SELECT UNIX_TIMESTAMP()");
      if (now) report.lag_seconds = std::max<double>(0, std::stod(*now) - report.row->applied_event_timestamp);
    }
  }

  // Events pending: only the running relay knows them, and only for what it has received.
  const bool fresh = report.row && report.row->seconds_since_update >= 0 &&
                     report.row->seconds_since_update <= options.stale_after_seconds;
  if (!report.row) {
    report.lag_events_reason = "the relay has never run";
  } else if (!fresh) {
    report.lag_events_reason = "the relay is not running";
  } else if (report.row->state == "stopped" || report.row->state == "failed") {
    report.lag_events_reason = "the relay is " + report.row->state;
  } else if (!report.row->events_pending) {
    report.lag_events_reason = "uncommitted events not counted";
  } else if (report.row->source_position.file != report.master_position.file ||
             report.row->source_position.offset < report.master_position.offset) {
    report.lag_events_reason = fmt::format("received up to {} only", report.row->source_position.to_string());
  } else {
    report.lag_events = report.row->events_pending;
  }
  return report;
}

namespace {
std::string or_unknown(const std::optional<uint64_t>& v) { return v ? std::to_string(*v) : "unknown"; }
}  // namespace

std::string render_status_text(const StatusReport& r) {
  std::string out;
  // Keys padded to the longest one ("applied position:").
  const auto line = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("{:<19}{}\n", std::string(key) + ":", value);
  };
  line("stream", r.stream);
  line("relay state", r.relay_state);
  line("source", r.source + " (" + r.source_version + ")");
  line("target", r.target);
  line("master position", r.master_position.to_string());
  if (!r.master_position.gtid_executed.empty()) line("master gtid", r.master_position.gtid_executed);
  if (r.applied_position) {
    line("applied position",
         r.applied_position->to_string() + (r.applied_file_purged ? " (file purged on the master)" : "") +
             (r.worker_rows ? fmt::format(" (lowest of {} parallel worker rows: {})", r.worker_rows, r.applied_worker)
                            : ""));
    if (!r.applied_position->gtid_executed.empty()) line("applied gtid", r.applied_position->gtid_executed);
    line("checkpoint at", r.checkpoint_updated_at + " UTC" + (r.ddl_pending ? " (ddl pending)" : ""));
  } else {
    line("applied position", "none (never checkpointed)");
  }
  line("lag bytes", or_unknown(r.lag_bytes));
  line("lag events", r.lag_events ? std::to_string(*r.lag_events) : "unknown (" + r.lag_events_reason + ")");
  line("lag seconds", r.lag_seconds ? fmt::format("{:.0f}", *r.lag_seconds) : "unknown");
  if (r.row) line("status updated", r.row->updated_at + " UTC");
  line("last error", r.last_error.empty() ? "none" : r.last_error + " (at " + r.row->last_error_at + ")");
  if (r.pair) {
    const PairView& p = *r.pair;
    line("source role", p.source_role);
    line("target role", p.target_role);
    line("files", p.files);
    line("code", p.code);
    line("verdict", p.verdict);
  }
  if (r.health) {
    const HealthProbe& h = *r.health;
    if (h.http_status == 0) {
      line("health", "unreachable (" + h.error + ")");
    } else {
      line("health",
           fmt::format("{} ({}, HTTP {}{}{})", h.http_status == 200 ? "healthy" : "unhealthy",
                       h.state.empty() ? "state unknown" : h.state, h.http_status, h.url.empty() ? "" : ", ", h.url));
    }
  }
  return out;
}

std::string render_status_json(const StatusReport& r) {
  using nlohmann::json;
  const auto position = [](const binlog::BinlogPosition& p) {
    return json{{"file", p.file}, {"offset", p.offset}, {"gtid", p.gtid_executed}};
  };
  json j;
  j["stream"] = r.stream;
  j["relay_state"] = r.relay_state;
  j["source"] = r.source;
  j["source_version"] = r.source_version;
  j["target"] = r.target;
  j["master_position"] = position(r.master_position);
  j["applied_position"] = r.applied_position ? position(*r.applied_position) : json(nullptr);
  j["applied_file_purged"] = r.applied_file_purged;
  j["checkpoint_updated_at"] = r.checkpoint_updated_at.empty() ? json(nullptr) : json(r.checkpoint_updated_at);
  j["ddl_pending"] = r.ddl_pending;
  j["lag"] = {{"bytes", r.lag_bytes ? json(*r.lag_bytes) : json(nullptr)},
              {"events", r.lag_events ? json(*r.lag_events) : json(nullptr)},
              {"seconds", r.lag_seconds ? json(*r.lag_seconds) : json(nullptr)}};
  j["lag_events_reason"] = r.lag_events ? json(nullptr) : json(r.lag_events_reason);
  j["applied_from_workers"] =
      r.worker_rows ? json{{"rows", r.worker_rows}, {"lowest", r.applied_worker}} : json(nullptr);
  j["status_updated_at"] = r.row ? json(r.row->updated_at) : json(nullptr);
  j["last_error"] = r.last_error.empty() ? json(nullptr) : json(r.last_error);
  j["last_error_at"] = (r.row && !r.row->last_error_at.empty()) ? json(r.row->last_error_at) : json(nullptr);
  if (r.pair) {
    const PairView& p = *r.pair;
    json checks = json::array();
    for (const PairView::Check& c : p.checks)
      checks.push_back({{"name", c.name}, {"state", c.state}, {"detail", c.detail}});
    j["roles"] = {{"source", p.source_role}, {"target", p.target_role}};
    j["files"] = {{"mirror_age_seconds", p.mirror_age_seconds ? json(*p.mirror_age_seconds) : json(nullptr)},
                  {"detail", p.files}};
    j["code"] = {{"target_release", p.target_release ? json(*p.target_release) : json(nullptr)},
                 {"source_release", p.source_release ? json(*p.source_release) : json(nullptr)},
                 {"detail", p.code}};
    j["safe_to_promote"] = {{"safe", p.safe}, {"verdict", p.verdict}, {"checks", checks}};
  }
  if (r.health) {
    json health{{"url", r.health->url},
                {"http_status", r.health->http_status ? json(r.health->http_status) : json(nullptr)},
                {"healthy", r.health->http_status == 200},
                {"state", r.health->state.empty() ? json(nullptr) : json(r.health->state)},
                {"error", r.health->error.empty() ? json(nullptr) : json(r.health->error)}};
    const json body = json::parse(r.health->body, nullptr, false);
    health["body"] = body.is_discarded() ? json(nullptr) : body;
    j["health"] = health;
  }
  return j.dump(2) + "\n";
}

}  // namespace galaxis::relay
