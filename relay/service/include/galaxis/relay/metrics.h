// galaxis/relay/metrics.h — what the running relay has done, shared between
// the pipeline threads, the health endpoint, the rate log line and the
// status row.
//
// RelayMetrics is written by the pipeline (reader and applier threads) and
// read by anyone through snapshot(): counters are atomics, positions and
// texts sit under a mutex. snapshot() returns a consistent-enough value copy
// (each field is exact; fields may be from instants a few microseconds apart).
// Thread-safe. render_prometheus() is a pure function of a snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "galaxis/binlog/position.h"
#include "galaxis/relay/apply_delay.h"

namespace galaxis::relay {

// The relay's life cycle as the health endpoint and status report it.
// kResyncing: --auto-resync is running a checksum sync after a purged position.
enum class RelayState { kStarting, kConnecting, kStreaming, kReconnecting, kStopping, kStopped, kFailed, kResyncing };
std::string_view to_string(RelayState state);

struct MetricsSnapshot {
  RelayState state = RelayState::kStarting;
  uint64_t events_received = 0;  // decoded events from the source
  uint64_t bytes_received = 0;   // raw binlog bytes from the source
  uint64_t events_applied = 0;   // events handed to the applier inside committed source transactions
  uint64_t transactions_applied = 0;
  uint64_t rows_applied = 0;
  uint64_t target_commits = 0;
  uint64_t reconnects = 0;  // source reconnects + target reconnects
  uint64_t errors = 0;
  uint64_t queue_bytes = 0;  // decoded-but-unapplied events, by binlog size
  uint64_t resyncs = 0;      // checksum syncs run by --auto-resync after a purged position
  // Events of source transactions received but not yet committed on the
  // target. When the pipeline does not count control and discarded events
  // (see RelayMetrics::counts_pending_events) only the exact case is known:
  // 0 when the applied position equals the last received one; else nullopt.
  std::optional<uint64_t> events_pending;
  double lag_seconds = 0;                   // age of the oldest source transaction not yet committed on the target
  uint32_t applied_event_timestamp = 0;     // source timestamp of the last committed transaction
  binlog::BinlogPosition source_position;   // last event received
  binlog::BinlogPosition applied_position;  // checkpoint (committed on the target)
  std::string source_version;
  std::string last_error;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point last_error_at;
  // When the source last sent a binlog event / a heartbeat (unix µs, 0 =
  // never): the window a dead master may have taken with it starts there.
  int64_t last_event_received_unix_us = 0;
  int64_t last_heartbeat_unix_us = 0;
  ApplyDelayWatch::Snapshot apply_delay;  // receipt -> target commit per source transaction
};

class RelayMetrics {
 public:
  RelayMetrics() { started_at_ = std::chrono::system_clock::now(); }

  std::atomic<uint64_t> events_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> events_applied{0};
  std::atomic<uint64_t> transactions_applied{0};
  std::atomic<uint64_t> rows_applied{0};
  std::atomic<uint64_t> target_commits{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> queue_bytes{0};
  std::atomic<double> lag_seconds{0};
  std::atomic<uint32_t> applied_event_timestamp{0};
  std::atomic<uint64_t> resyncs{0};
  // For events_pending = events_received - control_events_received -
  // events_discarded - events_applied: a pipeline that counts the control
  // events (ROTATE, FORMAT_DESCRIPTION, heartbeats, ...) it includes in
  // events_received and the events of transactions it discards (aborted
  // mid-way, re-read later) sets counts_pending_events; otherwise the
  // snapshot reports events_pending as unknown.
  std::atomic<uint64_t> control_events_received{0};
  std::atomic<uint64_t> events_discarded{0};
  std::atomic<bool> counts_pending_events{false};
  // Set by the reader thread (unix µs): MetricsSnapshot's fields of the same name.
  std::atomic<int64_t> last_event_received_unix_us{0};
  std::atomic<int64_t> last_heartbeat_unix_us{0};
  ApplyDelayWatch apply_delay;  // recorded by the pipeline's applier thread
  static int64_t now_unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void set_state(RelayState state);
  RelayState state() const;
  void set_source_position(const binlog::BinlogPosition& position);
  void set_applied_position(const binlog::BinlogPosition& position);
  void set_source_version(std::string version);
  // Records an error (counted; the message must hold no secret).
  void record_error(std::string message);
  // Rewrites the last error's message (more context), without counting it again.
  void replace_last_error(std::string message);

  MetricsSnapshot snapshot() const;

 private:
  std::atomic<RelayState> state_{RelayState::kStarting};
  mutable std::mutex mutex_;
  binlog::BinlogPosition source_position_;
  binlog::BinlogPosition applied_position_;
  std::string source_version_;
  std::string last_error_;
  std::chrono::system_clock::time_point started_at_;
  std::chrono::system_clock::time_point last_error_at_;
};

// Prometheus text exposition format (version 0.0.4) of a snapshot, with
// `stream` as a label on every sample. Positions are exported as
// galaxis_relay_*_position{file="binlog.000003"} OFFSET.
std::string render_prometheus(const MetricsSnapshot& snapshot, std::string_view stream);

}  // namespace galaxis::relay
