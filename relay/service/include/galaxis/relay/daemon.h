// galaxis/relay/daemon.h — `galaxis-relay run`: the pipeline plus what an
// operator needs around it.
//
// run_daemon():
//   1. checks both servers (SQL connections as source and target user):
//      MySQL → MariaDB and MariaDB → MySQL are refused (Error kUnsupported;
//      they need DDL and collation translation), wrong credentials fail
//      with the server's message and never the password;
//   2. runs before_streaming (the --initial decision and snapshot copy),
//      then starts the health endpoint when an address is given;
//   3. runs the Pipeline on the calling thread, with a monitor thread that
//      logs a rate line (events/s, rows/s, lag, positions) every
//      stats_interval and writes the status row (status.h) every
//      status_interval on its own target connection;
//   4. stops gracefully on SIGTERM/SIGINT (the open target transaction is
//      finished or rolled back) and returns 0; a fatal error is written to
//      the status row (last_error) and rethrown.
//   5. when the master no longer has the stream's position
//      (PositionPurgedError): with `resync` set (--auto-resync) the pipeline
//      has ended (its target lock released), resync() runs a checksum sync
//      that leaves the target equal to a consistent snapshot of the master
//      and the checkpoint at the snapshot's position, and a new pipeline
//      streams on from there; state "resyncing" meanwhile, counted in
//      RelayMetrics::resyncs. A purge again before anything was applied
//      after a resync is fatal (the master purges faster than we copy).
//      SIGTERM during the sync takes effect when it ends (then exit 0).
//      Without `resync` the error is rethrown with `resync_command`, the
//      exact command to run, appended.
//
// Signals: run_daemon() blocks SIGTERM/SIGINT in the calling thread after
// before_streaming (which may start and join threads of its own; SIGTERM
// there ends the process, a snapshot copy resumes on the next start) and
// before it creates any thread of its own, and takes them on a watcher
// thread (signal_watcher.h: sigwait, no handler); call it from the main
// thread before starting other threads.
//
// Parts (daemon.cc): check_servers (1), Endpoints (health, agent-check,
// role monitor), Monitor (rate line, status row, fence), PipelineRunner
// (pipeline_runner.h: 3-5, unit-tested with a replay source and a fake
// applier), stream_until_stopped (the exit: 0 or the error). Waiting for
// shutdown uses StopSignal (common/stop_signal.h), never a polling sleep.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "galaxis/relay/health_server.h"
#include "galaxis/relay/pipeline.h"
#include "galaxis/relay/role_monitor.h"

namespace galaxis::relay {

struct DaemonOptions {
  PipelineOptions pipeline;
  std::optional<ListenAddress> health_listen;
  // HAProxy agent-check port (agent_server.h); its answers and GET /role come
  // from the target's role row (role_monitor.h; server/pair/schema are set
  // from the pipeline, the rest from `role`).
  std::optional<ListenAddress> agent_listen;
  RoleMonitorOptions role;
  double max_lag_seconds = 10;
  std::chrono::milliseconds stats_interval{std::chrono::seconds(10)};
  std::chrono::milliseconds status_interval{std::chrono::seconds(2)};
  bool handle_signals = true;
  // Runs after the server checks, before anything streams: may set
  // pipeline.initial and copy a snapshot (`run`'s --initial handling).
  std::function<void(PipelineOptions& pipeline)> before_streaming;
  // --auto-resync: checksum-syncs the stream and returns the position it
  // checkpointed. Empty: a purged position is fatal.
  std::function<binlog::BinlogPosition()> resync;
  // What the operator runs after a purged position (no secrets), e.g.
  // "galaxis-relay sync --source ... --mode checksum ...".
  std::string resync_command;
};

// Refuses source/target flavour pairs we cannot keep equal. Versions as
// SELECT VERSION() returns them.
void check_flavour_pair(const std::string& source_version, bool source_mariadb, const std::string& target_version,
                        bool target_mariadb);

// Returns the process exit code (0 after a requested stop). Throws Error.
int run_daemon(DaemonOptions options);

}  // namespace galaxis::relay
