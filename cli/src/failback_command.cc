// `galaxis-relay failback --source NEW_ACTIVE --target OLD_ACTIVE`: after a
// promotion, bring the old active back as the passive of the new active
// (docs/failover-lb.md, "Failback"). Wiring: role rows (sql/role_store.h) →
// relay::find_errant_transactions() → refuse, or position the reverse
// relay's checkpoint and exec `galaxis-relay run` toward the old active.
//
//  1. The new active's role row must say active and hold promoted_source
//     (the old active's position it had applied) — else there is nothing to
//     fail back from (exit 2).
//  2. Errant transactions: the old active's binlog after promoted_source
//     (errant.h), listed exactly. With any and no checksum sync since,
//     failback refuses (exit 3) unless --discard-errant.
//  3. Where the reverse relay starts:
//     - a checkpoint for the stream on the old active at or after the new
//       active's own_binlog position means `sync --mode checksum` toward it
//       ran after the promotion (only sync or a previous failback writes it
//       there): the relay resumes at that checkpoint, errant changes were
//       overwritten by the sync;
//     - else the new active's own_binlog (its binlog position at the
//       promotion): the checkpoint is written there, so the relay streams
//       exactly what the new active committed since;
//     - without own_binlog (the new active had no binlog) only a checksum
//       sync can start it: refused (exit 3) with the exact sync command.
//  4. The old active's role row becomes passive at the new active's epoch,
//     then `run` is exec'd with the same accounts (--no-run: print it).
//  Run again for the same promotion (old active already passive at that
//  epoch, checkpoint present), failback only resumes the relay: the old
//  active's binlog now also holds what the reverse relay applied, which is
//  not errant.
// Exit codes: 0 relay ran (or --no-run prepared), 1 runtime error, 2 usage
// / no promotion recorded, 3 refused (errant transactions or a sync needed).
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/errant.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/role_store.h"

namespace galaxis::cli {
namespace {

struct FailbackFlags {
  std::string checkpoint_schema = "galaxis_relay";
  std::string stream = "default";
  bool discard_errant = false;
  bool no_run = false;
  uint32_t server_id = 0;
  std::vector<std::string> run_args;  // passed to `run`
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    const bool safe = !w.empty() && w.find_first_not_of(
                                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789@%+=:,./_-") == std::string::npos;
    std::string q = w;
    if (!safe) {
      q = "'";
      for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    out += (out.empty() ? "" : " ") + q;
  }
  return out;
}

std::vector<std::string> command(const std::string& verb, const ConnectionOption& source,
                                 const ConnectionOption& target, const FailbackFlags& flags) {
  std::vector<std::string> words = {"galaxis-relay", verb};
  for (const ConnectionOption* o : {&source, &target}) {
    const std::vector<std::string> f = o->flags();
    words.insert(words.end(), f.begin(), f.end());
  }
  if (verb == "sync") words.insert(words.end(), {"--mode", "checksum"});
  words.insert(words.end(), {"--stream", flags.stream, "--checkpoint-schema", flags.checkpoint_schema});
  for (const std::string& p : flags.include) words.insert(words.end(), {"--include", p});
  for (const std::string& p : flags.exclude) words.insert(words.end(), {"--exclude", p});
  return words;
}

}  // namespace

void register_failback_command(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "failback", "After a promotion: list the old active's errant transactions, then relay new active → old active");
  auto source = std::make_shared<ConnectionOption>(*cmd, "source", true);
  auto target = std::make_shared<ConnectionOption>(*cmd, "target", true);
  auto reader = std::make_shared<ConnectionOption>(*cmd, "reader", false);
  auto flags = std::make_shared<FailbackFlags>();
  cmd->add_option("--checkpoint-schema", flags->checkpoint_schema, "schema of role and checkpoint tables")
      ->capture_default_str();
  cmd->add_option("--stream", flags->stream, "the pair's stream name")->capture_default_str();
  cmd->add_option("--include", flags->include, "the pair's --include patterns (errant = only what is replicated)");
  cmd->add_option("--exclude", flags->exclude, "the pair's --exclude patterns");
  cmd->add_option("--server-id", flags->server_id, "replica server_id for reading the old active's binlog");
  cmd->add_flag("--discard-errant", flags->discard_errant,
                "start the reverse relay although the old active has errant transactions (they stay there, unrelayed)");
  cmd->add_flag("--no-run", flags->no_run, "prepare checkpoint and role, print the run command instead of running it");
  cmd->add_option("--run-arg", flags->run_args,
                  "extra flag for the reverse `run` (repeatable, e.g. --run-arg=--stop-at-end)");
  cmd->footer(
      "--source is the new active (promoted), --target the old active coming back. --reader: a replication account "
      "on the old active to read its binlog (default: the --target account). Exit 3: refused.");

  cmd->callback([source, target, reader, flags, exit_code] {
    const ConnectionUrl new_url = source->resolve();
    const ConnectionUrl old_url = target->resolve();
    sql::ConnectOptions new_options;
    new_options.role = "source (new active)";
    new_options.read_timeout_seconds = 30;
    sql::ConnectOptions old_options;
    old_options.role = "target (old active)";
    old_options.read_timeout_seconds = 30;
    sql::Connection new_active(new_url, new_options);
    sql::Connection old_active(old_url, old_options);
    const sql::RoleStore roles(flags->checkpoint_schema, flags->stream);

    const std::optional<sql::RoleRecord> promoted = roles.load(new_active);
    if (!promoted || promoted->role != sql::ServerRole::kActive || !promoted->promoted_source) {
      throw_error(Error::Kind::kUsage,
                  "failback: {} has no promotion recorded for pair '{}' (role row {}): nothing to fail back from",
                  new_active.display(), flags->stream,
                  promoted ? std::string(sql::role_name(promoted->role)) + ", no promoted_source" : "missing");
    }
    const std::optional<sql::RoleRecord> old_role = roles.load(old_active);
    if (old_role && old_role->role == sql::ServerRole::kActive && old_role->epoch >= promoted->epoch) {
      throw_error(Error::Kind::kUsage,
                  "failback: both servers say active ({} epoch {}, {} epoch {}): resolve the split brain first",
                  new_active.display(), promoted->epoch, old_active.display(), old_role->epoch);
    }

    const sql::CheckpointStore checkpoints(flags->checkpoint_schema, flags->stream);
    checkpoints.ensure_table(old_active);  // the old active was a source: usually no checkpoint table yet
    const std::optional<sql::Checkpoint> checkpoint = checkpoints.load(old_active);

    const auto start_relay = [&] {
      std::vector<std::string> run = command("run", *source, *target, *flags);
      run.insert(run.end(), flags->run_args.begin(), flags->run_args.end());
      std::printf("reverse relay: %s\n", shell_join(run).c_str());
      std::fflush(stdout);
      if (flags->no_run) {
        *exit_code = 0;
        return;
      }
      // Same process image, same environment (passwords stay out of argv).
      std::vector<char*> argv;
      for (std::string& w : run) argv.push_back(w.data());
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      throw_error(Error::Kind::kRuntime, "failback: cannot exec the relay: {}", std::strerror(errno));
    };

    // Failback already ran for this promotion: the old active's binlog now
    // also holds what the reverse relay applied there, which must not be
    // mistaken for errant transactions — just resume the relay.
    if (old_role && old_role->role == sql::ServerRole::kPassive && old_role->epoch == promoted->epoch && checkpoint) {
      std::printf("failback already ran for epoch %llu (%s is passive, checkpoint %s): resuming the reverse relay\n",
                  static_cast<unsigned long long>(promoted->epoch), old_active.display().c_str(),
                  checkpoint->position.to_string().c_str());
      start_relay();
      return;
    }

    relay::ErrantOptions errant_options;
    errant_options.filter.include = flags->include;
    errant_options.filter.exclude = flags->exclude;
    errant_options.checkpoint_schema = flags->checkpoint_schema;
    errant_options.server_id = flags->server_id;
    const relay::ErrantReport errant = relay::find_errant_transactions(reader->given() ? reader->resolve() : old_url,
                                                                       *promoted->promoted_source, errant_options);
    std::printf("promotion: epoch %llu at %s; the new active had applied the old active up to %s%s\n",
                static_cast<unsigned long long>(promoted->epoch), promoted->changed_at.c_str(),
                errant.from.to_string().c_str(),
                errant.promoted_gtid.empty() ? "" : (" (gtid " + errant.promoted_gtid + ")").c_str());
    if (!errant.old_gtid.empty()) std::printf("old active's GTID state now: %s\n", errant.old_gtid.c_str());
    uint64_t rows = 0;
    for (const relay::ErrantTransaction& t : errant.transactions) rows += t.total_rows();
    std::printf("errant transactions on the old active (after %s, up to %s): %zu, %llu rows\n",
                errant.from.to_string().c_str(), errant.old_end.to_string().c_str(), errant.transactions.size(),
                static_cast<unsigned long long>(rows));
    if (errant.ignored + errant.skipped_known > 0) {
      std::printf(
          "(not errant: %llu transaction(s) only on the checkpoint schema or outside the pair's filter, %llu "
          "already in the promotion's GTID set)\n",
          static_cast<unsigned long long>(errant.ignored), static_cast<unsigned long long>(errant.skipped_known));
    }
    const std::string listing = relay::render_errant(errant);
    std::fwrite(listing.data(), 1, listing.size(), stdout);

    // Has a checksum sync toward the old active run since the promotion?
    std::optional<sql::Checkpoint> synced;
    if (checkpoint && promoted->own_binlog && !sql::position_before(checkpoint->position, promoted->own_binlog)) {
      synced = checkpoint;
    }
    const std::string sync_command = shell_join(command("sync", *source, *target, *flags));
    if (!errant.transactions.empty() && !synced && !flags->discard_errant) {
      std::printf(
          "refused: the old active has %zu errant transaction(s) the new active never received. Either make the old "
          "active equal to the new one (its errant changes are overwritten):\n  %s\nthen run failback again; or pass "
          "--discard-errant to keep them on the old active unrelayed.\n",
          errant.transactions.size(), sync_command.c_str());
      std::fflush(stdout);
      *exit_code = 3;
      return;
    }
    binlog::BinlogPosition start;
    if (synced) {
      start = synced->position;
      std::printf("a checksum sync toward the old active ran after the promotion (checkpoint %s, %s): resuming there\n",
                  start.to_string().c_str(), synced->updated_at.c_str());
    } else if (!promoted->own_binlog) {
      std::printf(
          "refused: the new active had no binlog at the promotion, so no position to start the reverse relay from. "
          "Run:\n  %s\nthen failback again.\n",
          sync_command.c_str());
      std::fflush(stdout);
      *exit_code = 3;
      return;
    } else {
      if (!errant.transactions.empty()) {
        log::warn("failback: --discard-errant: {} errant transaction(s) stay on the old active, unrelayed",
                  errant.transactions.size());
      }
      start = *promoted->own_binlog;
      checkpoints.ensure_table(old_active);
      // Worker rows of an earlier parallel run toward this server would
      // contradict the plain row (parallel_checkpoint.h): they are stale.
      old_active.exec(fmt::format("DELETE FROM {} WHERE LEFT(stream, {}) = {}", checkpoints.table_name(),
                                  flags->stream.size() + 1, old_active.quote(flags->stream + "#")));
      old_active.exec(checkpoints.update_statement(start, false));
      std::printf("reverse relay starts at the new active's binlog position at the promotion: %s%s\n",
                  start.to_string().c_str(),
                  start.gtid_executed.empty() ? "" : (" gtid " + start.gtid_executed).c_str());
    }
    // The old active is now this pair's passive, at the new active's epoch.
    sql::RoleRecord passive;
    passive.role = sql::ServerRole::kPassive;
    passive.epoch = promoted->epoch;
    passive.changed_by = "failback";
    roles.ensure_table(old_active);
    roles.store(old_active, passive);

    start_relay();
  });
}

}  // namespace galaxis::cli
