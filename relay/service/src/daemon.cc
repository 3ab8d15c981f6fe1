#include "galaxis/relay/daemon.h"

#include <signal.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/common/stop_signal.h"
#include "galaxis/relay/agent_server.h"
#include "galaxis/relay/pipeline_runner.h"
#include "galaxis/relay/role_monitor.h"
#include "galaxis/relay/signal_watcher.h"
#include "galaxis/relay/status.h"
#include "galaxis/sql/role_guard.h"

namespace galaxis::relay {

void check_flavour_pair(const std::string& source_version, bool source_mariadb, const std::string& target_version,
                        bool target_mariadb) {
  if (!source_mariadb && target_mariadb) {
    throw_error(Error::Kind::kUnsupported,
                "source is MySQL {} and target is MariaDB {}: MySQL → MariaDB needs DDL and collation translation "
                "that galaxis-relay does not do; use a MySQL passive of the same or a newer version",
                source_version, target_version);
  }
  if (source_mariadb && !target_mariadb) {
    throw_error(Error::Kind::kUnsupported,
                "source is MariaDB {} and target is MySQL {}: MariaDB → MySQL needs DDL and collation translation "
                "that galaxis-relay does not do; use a MariaDB passive of the same or a newer version",
                source_version, target_version);
  }
}

namespace {

sql::Connection connect(const ConnectionUrl& url, const char* role) {
  sql::ConnectOptions options;
  options.role = role;
  options.read_timeout_seconds = 30;
  options.write_timeout_seconds = 30;
  return sql::Connection(url, options);
}

// Logs the rate line and keeps the status row fresh; owns its own target connection.
class Monitor {
 public:
  Monitor(const DaemonOptions& options, RelayMetrics& metrics, std::optional<sql::Connection> target)
      : options_(options),
        metrics_(metrics),
        store_(options.pipeline.applier.checkpoint_schema, options.pipeline.applier.stream),
        target_(std::move(target)) {}

  // Called (from the monitor thread) once when the target's role row stops
  // saying passive: a promotion happened while this relay ran.
  std::function<void(const std::string&)> on_fenced;

  // Every 100 ms (a state change is written at once) until `done` is set,
  // which ends the wait at once.
  void loop(const StopSignal& done) {
    auto last_stats = std::chrono::steady_clock::now();
    auto last_status = last_stats;
    MetricsSnapshot previous = metrics_.snapshot();
    // Written at once and on every state change: `status` must not say
    // "never run" while the relay is already connected.
    write_status();
    RelayState written_state = metrics_.state();
    while (!done.wait_for(std::chrono::milliseconds(100))) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_stats >= options_.stats_interval) {
        const MetricsSnapshot s = metrics_.snapshot();
        const double seconds = std::chrono::duration<double>(now - last_stats).count();
        log::info("relay: {}: {:.0f} events/s, {:.0f} rows/s, {:.0f} trx/s, lag {:.1f} s, source at {}, applied {}",
                  to_string(s.state), (s.events_applied - previous.events_applied) / seconds,
                  (s.rows_applied - previous.rows_applied) / seconds,
                  (s.transactions_applied - previous.transactions_applied) / seconds, s.lag_seconds,
                  s.source_position.to_string(), s.applied_position.to_string());
        previous = s;
        last_stats = now;
      }
      if (now - last_status >= options_.status_interval || metrics_.state() != written_state) {
        written_state = metrics_.state();
        write_status();
        check_role();
        last_status = now;
      }
    }
  }

  // An idle relay would not notice a promotion (its killed connections fail
  // only at the next write): read the role row with every status write.
  void check_role() {
    if (fenced_ || !target_ || !on_fenced) return;
    try {
      const auto& applier = options_.pipeline.applier;
      sql::refuse_unless_passive(*target_, applier.checkpoint_schema, applier.stream);
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kRuntime) return;  // the connection; the next round retries
      fenced_ = true;
      on_fenced(e.what());
    }
  }

  // Best effort: the target may be down (that is what the pipeline is retrying).
  void write_status() {
    try {
      if (!target_) {
        target_.emplace(connect(options_.pipeline.target, "target"));
        store_.ensure_table(*target_);
      }
      store_.write(*target_, metrics_.snapshot());
    } catch (const Error& e) {
      log::debug("relay: cannot write the status row: {}", e.what());
      target_.reset();
    }
  }

 private:
  const DaemonOptions& options_;
  RelayMetrics& metrics_;
  StatusStore store_;
  std::optional<sql::Connection> target_;
  bool fenced_ = false;
};

// 1. Both servers answer as the configured users, the flavour pair is one we
// keep equal, the status table exists and the target is passive. Returns the
// target connection (the monitor's).
sql::Connection check_servers(const DaemonOptions& options) {
  const PipelineOptions& pipeline = options.pipeline;
  std::optional<sql::Connection> connected;
  {
    sql::Connection source = connect(pipeline.source.url, "source");
    connected.emplace(connect(pipeline.target, "target"));
    check_flavour_pair(source.server_version(), source.is_mariadb(), connected->server_version(),
                       connected->is_mariadb());
    log::info("relay: source {} is {}, target {} is {}; stream '{}', checkpoint in `{}`", pipeline.source.url.display(),
              source.server_version(), pipeline.target.display(), connected->server_version(), pipeline.applier.stream,
              pipeline.applier.checkpoint_schema);
  }
  sql::Connection target = std::move(*connected);
  StatusStore(pipeline.applier.checkpoint_schema, pipeline.applier.stream).ensure_table(target);
  // Early, before a snapshot copy could write into a promoted server; the
  // pipeline checks again under the stream lock.
  sql::refuse_unless_passive(target, pipeline.applier.checkpoint_schema, pipeline.applier.stream);
  return target;
}

// The health endpoint, the HAProxy agent-check port and the role monitor
// behind both (role_monitor.h: the target's role, read on its own thread,
// with this relay's health added to every answer).
class Endpoints {
 public:
  Endpoints(const DaemonOptions& options, RelayMetrics& metrics) {
    if (options.health_listen || options.agent_listen) start_role_monitor(options, metrics);
    if (options.agent_listen) {
      agent_ =
          std::make_unique<AgentServer>(*options.agent_listen, [this] { return role_monitor_->decide().agent_reply; });
      agent_->start();
      log::info("relay: HAProxy agent-check on {}:{}", options.agent_listen->host, agent_->port());
    }
    if (options.health_listen) {
      HealthOptions health_options;
      health_options.max_lag_seconds = options.max_lag_seconds;
      health_options.stream = options.pipeline.applier.stream;
      health_options.role = [this] {
        const RoleDecision d = role_monitor_->decide();
        return HttpReply{d.http_status, "application/json", d.http_body};
      };
      health_ = std::make_unique<HealthServer>(*options.health_listen, metrics, health_options);
      health_->start();
      log::info("relay: health endpoint on http://{}:{}/health and /metrics", options.health_listen->host,
                health_->port());
    }
  }

  void stop() {
    if (health_) health_->stop();
    if (agent_) agent_->stop();
    if (role_monitor_) role_monitor_->stop();
  }

 private:
  void start_role_monitor(const DaemonOptions& options, RelayMetrics& metrics) {
    RoleMonitorOptions role_options = options.role;
    role_options.server = options.pipeline.target;
    role_options.checkpoint_schema = options.pipeline.applier.checkpoint_schema;
    role_options.pair = options.pipeline.applier.stream;
    role_monitor_ = std::make_unique<RoleMonitor>(role_options, [&metrics]() -> std::optional<RelayHealthView> {
      const MetricsSnapshot s = metrics.snapshot();
      return RelayHealthView{std::string(to_string(s.state)), s.lag_seconds, s.last_error};
    });
    role_monitor_->start();
  }

  std::unique_ptr<RoleMonitor> role_monitor_;
  std::unique_ptr<AgentServer> agent_;
  std::unique_ptr<HealthServer> health_;
};

// Set by the monitor when the target was promoted under us: the relay stops with this error.
class Fence {
 public:
  void set(const std::string& message) {
    std::lock_guard lock(mutex_);
    message_ = message;
  }
  std::optional<Error> error() const {
    std::lock_guard lock(mutex_);
    if (message_.empty()) return std::nullopt;
    return Error(Error::Kind::kRuntime, message_);
  }

 private:
  mutable std::mutex mutex_;
  std::string message_;
};

// 3.-4. Runs the pipelines until a stop (returns 0) or a final error, which
// is recorded in the status row and rethrown; a fence overrides both.
int stream_until_stopped(PipelineRunner& runner, RelayMetrics& metrics, const Fence& fence,
                         const std::function<void()>& shut_down) {
  try {
    runner.run();
  } catch (const Error& e) {
    metrics.set_state(RelayState::kFailed);
    // Stopping after a promotion may fail on the killed connections: the fence is the cause.
    const std::optional<Error> fenced = fence.error();
    const Error& cause = fenced ? *fenced : e;
    if (metrics.snapshot().last_error != cause.what()) metrics.record_error(cause.what());  // not from the pipeline
    shut_down();
    if (fenced) throw *fenced;
    throw;
  }
  if (const std::optional<Error> fenced = fence.error()) {
    metrics.set_state(RelayState::kFailed);
    metrics.record_error(fenced->what());
    shut_down();
    throw *fenced;
  }
  metrics.set_state(RelayState::kStopped);
  shut_down();
  const MetricsSnapshot s = metrics.snapshot();
  log::info("relay: stopped at {} after {} transactions, {} rows", s.applied_position.to_string(),
            s.transactions_applied, s.rows_applied);
  return 0;
}

}  // namespace

int run_daemon(DaemonOptions options) {
  std::optional<sql::Connection> target = check_servers(options);
  // Before the signals are blocked: SIGTERM during a long snapshot copy ends
  // the process at once, and the copy resumes on the next start.
  if (options.before_streaming) options.before_streaming(options.pipeline);
  if (options.handle_signals) block_stop_signals();  // before any thread of ours starts

  RelayMetrics metrics;
  PipelineRunner runner(options, metrics,
                        [&options](RelayMetrics& m) { return std::make_unique<Pipeline>(options.pipeline, m); });
  Endpoints endpoints(options, metrics);
  std::optional<SignalWatcher> watcher;
  if (options.handle_signals) {
    watcher.emplace([&](int signal) {
      log::info("relay: {} received; finishing the open transaction and stopping", strsignal(signal));
      metrics.set_state(RelayState::kStopping);
      runner.request_stop();
    });
  }
  Fence fence;
  Monitor monitor(options, metrics, std::move(target));
  monitor.on_fenced = [&](const std::string& message) {
    log::error("relay: {}; stopping", message);
    fence.set(message);
    runner.request_stop();
  };
  StopSignal done;
  std::thread monitor_thread([&] { monitor.loop(done); });
  const auto shut_down = [&] {
    done.request_stop();
    watcher.reset();
    monitor_thread.join();
    endpoints.stop();
    monitor.write_status();
  };
  return stream_until_stopped(runner, metrics, fence, shut_down);
}

}  // namespace galaxis::relay
