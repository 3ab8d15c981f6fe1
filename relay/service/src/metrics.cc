#include "galaxis/relay/metrics.h"

#include <fmt/format.h>

namespace galaxis::relay {

std::string_view to_string(RelayState state) {
  switch (state) {
    case RelayState::kStarting: return "starting";
    case RelayState::kConnecting: return "connecting";
    case RelayState::kStreaming: return "streaming";
    case RelayState::kReconnecting: return "reconnecting";
    case RelayState::kStopping: return "stopping";
    case RelayState::kStopped: return "stopped";
    case RelayState::kFailed: return "failed";
    case RelayState::kResyncing: return "resyncing";
  }
  return "unknown";
}

void RelayMetrics::set_state(RelayState state) { state_ = state; }
RelayState RelayMetrics::state() const { return state_; }

void RelayMetrics::set_source_position(const binlog::BinlogPosition& position) {
  std::lock_guard lock(mutex_);
  source_position_ = position;
}

void RelayMetrics::set_applied_position(const binlog::BinlogPosition& position) {
  std::lock_guard lock(mutex_);
  applied_position_ = position;
}

void RelayMetrics::set_source_version(std::string version) {
  std::lock_guard lock(mutex_);
  source_version_ = std::move(version);
}

void RelayMetrics::record_error(std::string message) {
  ++errors;
  std::lock_guard lock(mutex_);
  last_error_ = std::move(message);
  last_error_at_ = std::chrono::system_clock::now();
}

void RelayMetrics::replace_last_error(std::string message) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(message);
}

MetricsSnapshot RelayMetrics::snapshot() const {
  MetricsSnapshot s;
  s.state = state_;
  s.events_received = events_received;
  s.bytes_received = bytes_received;
  s.events_applied = events_applied;
  s.transactions_applied = transactions_applied;
  s.rows_applied = rows_applied;
  s.target_commits = target_commits;
  s.reconnects = reconnects;
  s.errors = errors;
  s.queue_bytes = queue_bytes;
  s.lag_seconds = lag_seconds;
  s.applied_event_timestamp = applied_event_timestamp;
  s.resyncs = resyncs;
  s.last_event_received_unix_us = last_event_received_unix_us;
  s.last_heartbeat_unix_us = last_heartbeat_unix_us;
  s.apply_delay = apply_delay.snapshot();
  if (counts_pending_events) {
    // Read applied first: it only grows, and it never passes what was received.
    const uint64_t applied = events_applied + events_discarded;
    const uint64_t received = events_received - control_events_received;
    s.events_pending = received > applied ? received - applied : 0;
  }
  std::lock_guard lock(mutex_);
  s.source_position = source_position_;
  s.applied_position = applied_position_;
  s.source_version = source_version_;
  s.last_error = last_error_;
  s.started_at = started_at_;
  s.last_error_at = last_error_at_;
  // Without the counts, one case is still exact: everything received is committed.
  if (!s.events_pending && !s.source_position.file.empty() && s.source_position.file == s.applied_position.file &&
      s.source_position.offset == s.applied_position.offset) {
    s.events_pending = 0;
  }
  return s;
}

namespace {

// Label values escape backslash, double quote and newline.
std::string label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::string_view labels, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}{{{}}} {}\n", name, help, name, type, name, labels, value);
}

}  // namespace

std::string render_prometheus(const MetricsSnapshot& s, std::string_view stream) {
  std::string out;
  const std::string labels = fmt::format("stream=\"{}\"", label_value(stream));
  metric(out, "galaxis_relay_up", "gauge", "1 while the relay is streaming from the source into the target", labels,
         s.state == RelayState::kStreaming ? 1 : 0);
  metric(out, "galaxis_relay_lag_seconds", "gauge",
         "age of the oldest source transaction not yet committed on the target", labels, s.lag_seconds);
  metric(out, "galaxis_relay_events_received_total", "counter", "binlog events received and decoded", labels,
         static_cast<double>(s.events_received));
  metric(out, "galaxis_relay_bytes_received_total", "counter", "binlog bytes received from the source", labels,
         static_cast<double>(s.bytes_received));
  metric(out, "galaxis_relay_events_applied_total", "counter", "events of source transactions handed to the applier",
         labels, static_cast<double>(s.events_applied));
  metric(out, "galaxis_relay_transactions_applied_total", "counter", "source transactions applied", labels,
         static_cast<double>(s.transactions_applied));
  metric(out, "galaxis_relay_rows_applied_total", "counter", "row changes applied", labels,
         static_cast<double>(s.rows_applied));
  metric(out, "galaxis_relay_target_commits_total", "counter", "target transactions committed", labels,
         static_cast<double>(s.target_commits));
  metric(out, "galaxis_relay_reconnects_total", "counter", "reconnects to the source or the target", labels,
         static_cast<double>(s.reconnects));
  metric(out, "galaxis_relay_errors_total", "counter", "errors seen (retried or fatal)", labels,
         static_cast<double>(s.errors));
  metric(out, "galaxis_relay_resyncs_total", "counter",
         "checksum syncs run by --auto-resync after the master purged the relay's position", labels,
         static_cast<double>(s.resyncs));
  if (s.events_pending) {
    metric(out, "galaxis_relay_events_pending", "gauge", "events received but not yet committed on the target", labels,
           static_cast<double>(*s.events_pending));
  }
  metric(out, "galaxis_relay_queue_bytes", "gauge", "decoded events waiting for the applier (binlog bytes)", labels,
         static_cast<double>(s.queue_bytes));
  metric(out, "galaxis_relay_source_position", "gauge", "binlog offset of the last event received",
         fmt::format("{},file=\"{}\"", labels, label_value(s.source_position.file)),
         static_cast<double>(s.source_position.offset));
  metric(out, "galaxis_relay_applied_position", "gauge", "binlog offset committed on the target (checkpoint)",
         fmt::format("{},file=\"{}\"", labels, label_value(s.applied_position.file)),
         static_cast<double>(s.applied_position.offset));
  if (s.apply_delay.count > 0) out += render_apply_delay(s.apply_delay, labels);
  return out;
}

}  // namespace galaxis::relay
