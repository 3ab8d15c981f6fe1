// `galaxis-relay run`: the daemon that keeps the passive in sync. Wiring
// only: flags (or the --config file, CLI11's TOML/INI form where every flag
// is a key) → relay::DaemonOptions → relay::run_daemon().
//
// CLI11 2.1 reads a config file only for the root app, so `run --config`
// merges the file itself: each key names a flag of `run`; flags given on
// the command line win.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "config_file.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/binlog_history.h"
#include "galaxis/relay/daemon.h"
#include "galaxis/relay/role_agent.h"
#include "galaxis/sql/filter.h"
#include "galaxis/sql/sync/sync.h"

namespace galaxis::cli {
namespace {

struct RunFlags {
  uint32_t server_id = 0;
  std::string initial;  // "": decided by default_initial_position()
  bool auto_resync = false;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::vector<std::string> rename_db;
  std::string checkpoint_schema = "galaxis_relay";
  std::string stream = "default";
  std::string health_listen;
  std::string agent_listen;
  std::string passive_reply = "maint";
  double max_lag = 10;
  double stats_interval = 10;
  size_t queue_mb = 32;
  unsigned heartbeat_ms = 1000;
  bool stop_at_end = false;
  size_t group_max_transactions = 0;
  unsigned group_max_delay_ms = 0;
  unsigned caught_up_flush_ms = 20;
  size_t parallel = 4;
  bool compact_rows = true;
};

// Shell-quotes `word` when it holds anything but safe characters.
std::string shell_word(const std::string& word) {
  const bool safe = !word.empty() && word.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789@%+=:,./_-") == std::string::npos;
  if (safe) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The `sync --mode checksum` an operator runs after a purged position: the
// same servers, stream and filters as this `run`.
std::string resync_command(const ConnectionOption& source, const ConnectionOption& target, const RunFlags& flags) {
  std::vector<std::string> words = {"galaxis-relay", "sync"};
  for (const ConnectionOption* option : {&source, &target}) {
    const std::vector<std::string> given = option->flags();
    words.insert(words.end(), given.begin(), given.end());
  }
  words.insert(words.end(),
               {"--mode", "checksum", "--stream", flags.stream, "--checkpoint-schema", flags.checkpoint_schema});
  for (const std::string& p : flags.include) words.insert(words.end(), {"--include", p});
  for (const std::string& p : flags.exclude) words.insert(words.end(), {"--exclude", p});
  for (const std::string& r : flags.rename_db) words.insert(words.end(), {"--rename-db", r});
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + shell_word(w);
  return out;
}

}  // namespace

void register_run_command(CLI::App& app, int* exit_code) {
  CLI::App* run = app.add_subcommand("run", "Stream the master's binlog into the passive, exactly once (daemon)");
  auto config = std::make_shared<std::string>();
  run->add_option("--config", *config, "TOML/INI file setting any of these flags (key = value; lists as [..])");
  // Required, but possibly from the config file: checked after merging it.
  auto source = std::make_shared<ConnectionOption>(*run, "source", false);
  auto target = std::make_shared<ConnectionOption>(*run, "target", false);
  auto flags = std::make_shared<RunFlags>();
  run->add_option("--server-id", flags->server_id, "replica server_id to register as (default: derived from the host)");
  run->add_option("--initial", flags->initial,
                  "where to start without a checkpoint: from-start | from-now | snapshot (default: snapshot when the "
                  "master's binlog no longer reaches back to its first transaction, else from-start)")
      ->check(CLI::IsMember({"from-start", "from-now", "snapshot"}));
  run->add_option("--include", flags->include, "replicate only db or db.table (wildcards; repeatable)");
  run->add_option("--exclude", flags->exclude, "skip db or db.table (wildcards; repeatable)");
  run->add_option("--rename-db", flags->rename_db, "apply source database src into target database dst (src:dst)");
  run->add_option("--checkpoint-schema", flags->checkpoint_schema, "schema on the target for checkpoint and status")
      ->capture_default_str();
  run->add_option("--stream", flags->stream, "name of this stream's checkpoint row")->capture_default_str();
  run->add_option("--health-listen", flags->health_listen,
                  "serve GET /health and /metrics on ADDR:PORT (e.g. 127.0.0.1:9101)");
  run->add_option("--agent-listen", flags->agent_listen,
                  "answer HAProxy agent-check on ADDR:PORT from the target's role (docs/failover-lb.md)");
  run->add_option("--passive-reply", flags->passive_reply, "agent-check reply while passive: maint or drain")
      ->capture_default_str();
  run->add_option("--max-lag", flags->max_lag, "/health answers 503 above this lag (seconds)")->capture_default_str();
  run->add_option("--stats-interval", flags->stats_interval, "seconds between rate log lines")->capture_default_str();
  run->add_option("--queue-mb", flags->queue_mb,
                  "decoded events buffered between reader and applier (MiB, ~2x their binlog size)")
      ->capture_default_str();
  run->add_option("--heartbeat-ms", flags->heartbeat_ms, "master heartbeat period (detects dead connections)")
      ->capture_default_str();
  run->add_option("--group-max-transactions", flags->group_max_transactions,
                  "most source transactions per target commit (default: the applier's)");
  run->add_option("--group-max-delay-ms", flags->group_max_delay_ms,
                  "longest a target transaction stays open for grouping (default: the applier's)");
  run->add_option("--caught-up-flush-ms", flags->caught_up_flush_ms,
                  "once caught up with the master (nothing queued after a commit), commit a group this old at "
                  "once instead of after --group-max-delay-ms (lower lag at the master's rate)")
      ->capture_default_str();
  run->add_flag("--auto-resync", flags->auto_resync,
                "when the master has purged the stream's position, run a checksum sync and stream on (else exit 1)");
  run->add_flag("--stop-at-end", flags->stop_at_end,
                "exit 0 once the master's last binlog is applied (benchmarks, one-off catch-up)");

  run->add_option("--parallel", flags->parallel,
                  "target connections applying in parallel (epochs of non-conflicting transactions; 1 = serial)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  run->add_flag("--compact-rows,!--no-compact-rows", flags->compact_rows,
                "fold each target transaction's row changes into their net effect per key where that is exact "
                "(sql/net_changes.h): fewer statements for catch-up; on by default, --no-compact-rows (config "
                "compact-rows = false) keeps the row-count drift warning for every table");

  run->callback([run, config, source, target, flags, exit_code] {
    if (!config->empty()) merge_config_file(*run, *config);
    if (!source->given()) throw_error(Error::Kind::kUsage, "--source is required (on the command line or in --config)");
    if (!target->given()) throw_error(Error::Kind::kUsage, "--target is required (on the command line or in --config)");
    if (!flags->initial.empty() && flags->initial != "from-start" && flags->initial != "from-now" &&
        flags->initial != "snapshot") {
      throw_error(Error::Kind::kUsage, "--initial '{}': expected from-start, from-now or snapshot", flags->initial);
    }
    relay::DaemonOptions options;
    relay::PipelineOptions& p = options.pipeline;
    p.source.url = source->resolve();
    p.source.server_id = flags->server_id;
    p.source.heartbeat_period = std::chrono::milliseconds(flags->heartbeat_ms);
    p.target = target->resolve();
    if (!flags->initial.empty()) p.initial = relay::parse_initial_position(flags->initial);
    p.queue_max_bytes = std::max<size_t>(1, flags->queue_mb) << 20;
    p.stop_at_end = flags->stop_at_end;
    p.applier.stream = flags->stream;
    p.applier.checkpoint_schema = flags->checkpoint_schema;
    p.applier.filter.include = flags->include;
    p.applier.filter.exclude = flags->exclude;
    for (const std::string& spec : flags->rename_db) p.applier.filter.rename_db.insert(sql::parse_rename(spec));
    if (flags->group_max_transactions != 0) p.applier.group_max_transactions = flags->group_max_transactions;
    if (flags->group_max_delay_ms != 0)
      p.applier.group_max_delay = std::chrono::milliseconds(flags->group_max_delay_ms);
    p.caught_up_flush = std::chrono::milliseconds(flags->caught_up_flush_ms);
    p.parallel_workers = flags->parallel;
    p.applier.compact_rows = flags->compact_rows;
    if (!flags->health_listen.empty()) options.health_listen = relay::parse_listen_address(flags->health_listen);
    if (!flags->agent_listen.empty()) {
      options.agent_listen = http::parse_listen_address(flags->agent_listen, "--agent-listen");
    }
    options.role.agent.passive_reply = relay::parse_passive_reply(flags->passive_reply);
    options.max_lag_seconds = flags->max_lag;
    options.stats_interval = std::chrono::milliseconds(static_cast<int64_t>(flags->stats_interval * 1000));
    sql::sync::SyncOptions sync;
    sync.source = p.source.url;
    sync.target = p.target;
    sync.filter = p.applier.filter;
    sync.stream = p.applier.stream;
    sync.checkpoint_schema = p.applier.checkpoint_schema;
    // After the daemon's server checks (a refused flavour pair copies nothing).
    options.before_streaming = [sync, flags](relay::PipelineOptions& pipeline) {
      if (flags->initial.empty()) {
        pipeline.initial = relay::default_initial_position(pipeline.source.url, pipeline.target,
                                                           flags->checkpoint_schema, flags->stream);
      }
      if (pipeline.initial == relay::InitialPosition::kSnapshot) {
        // No checkpoint yet (or an interrupted copy): copy a consistent snapshot
        // first; it leaves the checkpoint at the snapshot, where streaming starts.
        sql::sync::run_snapshot_copy_if_needed(sync);
      }
    };
    if (flags->auto_resync) {
      options.resync = [sync]() mutable {
        sync.mode = sql::sync::SyncMode::kChecksum;
        sync.chunk_rows = 1000;  // `sync --mode checksum`'s default
        const sql::sync::SyncResult result = sql::sync::run_sync(sync);
        for (const sql::sync::TableDifferences& d : result.differences) {
          log::info("relay: --auto-resync repaired {}: {} rows missing, {} extra, {} changed{}", d.table, d.missing,
                    d.extra, d.changed, d.table_extra ? " (only on the target, kept)" : "");
        }
        return result.position;
      };
    }
    options.resync_command = resync_command(*source, *target, *flags);
    *exit_code = relay::run_daemon(std::move(options));
  });
}

}  // namespace galaxis::cli
