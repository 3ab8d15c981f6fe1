#include "galaxis/relay/daemon.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/agent_server.h"
#include "galaxis/relay/role_monitor.h"
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

  void loop(const std::atomic<bool>& done) {
    auto last_stats = std::chrono::steady_clock::now();
    auto last_status = last_stats;
    MetricsSnapshot previous = metrics_.snapshot();
    // Written at once and on every state change: `status` must not say
    // "never run" while the relay is already connected.
    write_status();
    RelayState written_state = metrics_.state();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
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

}  // namespace

int run_daemon(DaemonOptions options) {
  std::optional<sql::Connection> target;
  {
    sql::Connection source = connect(options.pipeline.source.url, "source");
    target.emplace(connect(options.pipeline.target, "target"));
    check_flavour_pair(source.server_version(), source.is_mariadb(), target->server_version(), target->is_mariadb());
    log::info("relay: source {} is {}, target {} is {}; stream '{}', checkpoint in `{}`",
              options.pipeline.source.url.display(), source.server_version(), options.pipeline.target.display(),
              target->server_version(), options.pipeline.applier.stream, options.pipeline.applier.checkpoint_schema);
  }
  StatusStore(options.pipeline.applier.checkpoint_schema, options.pipeline.applier.stream).ensure_table(*target);
  // Early, before a snapshot copy could write into a promoted server; the
  // pipeline checks again under the stream lock.
  sql::refuse_unless_passive(*target, options.pipeline.applier.checkpoint_schema, options.pipeline.applier.stream);
  // Before the signals are blocked: SIGTERM during a long snapshot copy ends
  // the process at once, and the copy resumes on the next start.
  if (options.before_streaming) options.before_streaming(options.pipeline);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (options.handle_signals) pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RelayMetrics metrics;
  // The running pipeline, for the signal watcher; replaced after a resync.
  std::mutex pipeline_mutex;
  std::unique_ptr<Pipeline> pipeline = std::make_unique<Pipeline>(options.pipeline, metrics);
  std::atomic<bool> stop_requested{false};

  // The target's role for GET /role and the agent-check port (role_monitor.h):
  // read on its own thread, with this relay's health added to every answer.
  std::unique_ptr<RoleMonitor> role_monitor;
  if (options.health_listen || options.agent_listen) {
    RoleMonitorOptions role_options = options.role;
    role_options.server = options.pipeline.target;
    role_options.checkpoint_schema = options.pipeline.applier.checkpoint_schema;
    role_options.pair = options.pipeline.applier.stream;
    role_monitor = std::make_unique<RoleMonitor>(role_options, [&metrics]() -> std::optional<RelayHealthView> {
      const MetricsSnapshot s = metrics.snapshot();
      return RelayHealthView{std::string(to_string(s.state)), s.lag_seconds, s.last_error};
    });
    role_monitor->start();
  }
  std::unique_ptr<AgentServer> agent;
  if (options.agent_listen) {
    agent = std::make_unique<AgentServer>(*options.agent_listen,
                                          [&role_monitor] { return role_monitor->decide().agent_reply; });
    agent->start();
    log::info("relay: HAProxy agent-check on {}:{}", options.agent_listen->host, agent->port());
  }

  std::unique_ptr<HealthServer> health;
  if (options.health_listen) {
    HealthOptions health_options;
    health_options.max_lag_seconds = options.max_lag_seconds;
    health_options.stream = options.pipeline.applier.stream;
    health_options.role = [&role_monitor] {
      const RoleDecision d = role_monitor->decide();
      return HttpReply{d.http_status, "application/json", d.http_body};
    };
    health = std::make_unique<HealthServer>(*options.health_listen, metrics, health_options);
    health->start();
    log::info("relay: health endpoint on http://{}:{}/health and /metrics", options.health_listen->host,
              health->port());
  }

  std::atomic<bool> done{false};
  std::thread watcher;
  if (options.handle_signals) {
    watcher = std::thread([&] {
      const timespec period{0, 200'000'000};
      while (!done) {
        const int signal = sigtimedwait(&signals, nullptr, &period);
        if (signal == SIGTERM || signal == SIGINT) {
          log::info("relay: {} received; finishing the open transaction and stopping", strsignal(signal));
          metrics.set_state(RelayState::kStopping);
          stop_requested = true;
          std::lock_guard lock(pipeline_mutex);
          if (pipeline) pipeline->request_stop();
        }
      }
    });
  }
  Monitor monitor(options, metrics, std::move(target));
  std::mutex fenced_mutex;
  std::string fenced_message;  // set by the monitor: the relay stops with this error
  monitor.on_fenced = [&](const std::string& message) {
    log::error("relay: {}; stopping", message);
    {
      std::lock_guard lock(fenced_mutex);
      fenced_message = message;
    }
    stop_requested = true;
    std::lock_guard lock(pipeline_mutex);
    if (pipeline) pipeline->request_stop();
  };
  const auto fenced_error = [&]() -> std::optional<Error> {
    std::lock_guard lock(fenced_mutex);
    if (fenced_message.empty()) return std::nullopt;
    return Error(Error::Kind::kRuntime, fenced_message);
  };
  std::thread monitor_thread([&] { monitor.loop(done); });

  const auto shut_down = [&] {
    done = true;
    if (watcher.joinable()) watcher.join();
    monitor_thread.join();
    if (health) health->stop();
    if (agent) agent->stop();
    if (role_monitor) role_monitor->stop();
    monitor.write_status();
  };
  try {
    std::optional<uint64_t> applied_at_resync;  // transactions_applied when the last resync ended
    while (true) {
      try {
        pipeline->run();
        break;
      } catch (PositionPurgedError& e) {
        if (!options.resync) {
          if (options.resync_command.empty()) throw;
          PositionPurgedError with_command(fmt::format(
              "{}. Run `{}` while this relay is stopped, then start `run` again; or start `run` with --auto-resync "
              "to do this automatically",
              e.what(), options.resync_command));
          metrics.replace_last_error(with_command.what());
          throw with_command;
        }
        if (stop_requested) throw;
        if (applied_at_resync && metrics.transactions_applied == *applied_at_resync) {
          e.add_context("the master purged the position again before anything was streamed after --auto-resync");
          metrics.replace_last_error(e.what());
          throw;
        }
        log::warn(
            "relay: {}; --auto-resync: running a checksum sync of stream '{}' against a consistent snapshot "
            "of the master",
            e.what(), options.pipeline.applier.stream);
        metrics.set_state(RelayState::kResyncing);
        {
          std::lock_guard lock(pipeline_mutex);
          pipeline.reset();  // its applier connection (and the stream's lock) is gone already
        }
        const binlog::BinlogPosition position =
            with_context("--auto-resync: checksum sync after a purged position", [&] { return options.resync(); });
        metrics.resyncs.fetch_add(1);
        metrics.set_applied_position(position);
        log::info("relay: --auto-resync: the target equals the master's snapshot at {}; streaming on from there",
                  position.to_string());
        applied_at_resync = metrics.transactions_applied.load();
        std::lock_guard lock(pipeline_mutex);
        if (stop_requested) break;
        metrics.set_state(RelayState::kConnecting);
        pipeline = std::make_unique<Pipeline>(options.pipeline, metrics);
      }
    }
  } catch (const Error& e) {
    metrics.set_state(RelayState::kFailed);
    // Stopping after a promotion may fail on the killed connections: the fence is the cause.
    const std::optional<Error> fenced = fenced_error();
    const Error& cause = fenced ? *fenced : e;
    if (metrics.snapshot().last_error != cause.what()) metrics.record_error(cause.what());  // not from the pipeline
    shut_down();
    if (fenced) throw *fenced;
    throw;
  }
  if (const std::optional<Error> fenced = fenced_error()) {
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

}  // namespace galaxis::relay
