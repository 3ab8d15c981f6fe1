// `galaxis-relay mirror SRC DEST`: wiring only — flags (or the --config file)
// → fsmirror::CommandOptions → fsmirror::run_mirror(). docs/mirror.md.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "commands.h"
#include "config_file.h"
#include "galaxis/common/error.h"
#include "galaxis/fsmirror/command.h"
#include "galaxis/fsmirror/guard.h"

namespace galaxis::cli {

void register_mirror_command(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("mirror", "Mirror a file tree to a local folder or ssh://user@host/path");
  auto config = std::make_shared<std::string>();
  auto o = std::make_shared<fsmirror::CommandOptions>();
  auto max_delete = std::make_shared<std::string>("10%");
  auto no_owner = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("--config", *config, "TOML/INI file setting any of these flags (key = value; a [mirror] section)");
  cmd->add_option("SRC,--source", o->mirror.source, "source folder (local)");
  cmd->add_option("DEST,--dest", o->dest, "destination: a local folder or ssh://user@host[:port]/path");
  cmd->add_flag("--delete", o->mirror.delete_extra, "delete what the source no longer has (after all additions)");
  cmd->add_option("--max-delete", *max_delete,
                  "refuse a cycle deleting more than this share of DEST's files (10%) or count (500)")
      ->capture_default_str();
  cmd->add_flag("--force-delete", o->mirror.force_delete,
                "run even when the delete guard refuses (too many deletions, empty/missing/remounted source)");
  cmd->add_flag("--checksum", o->mirror.checksum, "compare file content (SHA-256), not only size and mtime");
  cmd->add_option("--exclude", o->mirror.excludes,
                  "skip paths matching PATTERN (repeatable; 'cache/' = directories, '/x' = at the root)");
  cmd->add_flag("--dry-run,-n", o->mirror.dry_run, "list what would change, change nothing");
  cmd->add_flag("--json", o->json, "print a JSON summary of the cycle on stdout");
  cmd->add_flag("--fsync", o->fsync, "fsync each file before publishing it");
  cmd->add_flag("--numeric-ids", o->mirror.numeric_ids, "owner/group by number, not by name");
  cmd->add_flag("--no-owner", *no_owner, "do not mirror owner/group (default: mirrored when run as root)");
  cmd->add_flag("--verify", o->mirror.verify, "scan DEST instead of trusting the index of the last cycle");
  cmd->add_option("--settle", o->mirror.settle_seconds,
                  "copy a file only once it has not changed for this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--settle-wait", o->mirror.settle_wait_max_seconds,
                  "one-shot: wait at most this long for files still being written")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", *quiet, "no progress lines on stderr");
  cmd->add_flag("--watch", o->watch, "keep running: mirror changes as they happen (inotify), until SIGTERM");
  cmd->add_option("--verify-interval", o->verify_interval_seconds,
                  "--watch: seconds between cycles that also scan DEST (catch anything missed)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--health-listen", o->health_listen,
                  "--watch: serve GET /health and /metrics on ADDR:PORT (e.g. 127.0.0.1:9102)");
  cmd->add_option("--max-age", o->max_age_seconds,
                  "--watch: /health answers 503 when the last complete cycle is older (seconds)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--identity,-i", o->identity,
                  "ssh://: private key file (ed25519 or ECDSA; default: ssh-agent, "
                  "then ~/.ssh/id_ed25519, id_ecdsa)");
  cmd->add_option("--known-hosts", o->known_hosts, "ssh://: known_hosts file (default ~/.ssh/known_hosts)");
  cmd->add_option("--remote-path", o->remote_path, "ssh://: the galaxis-relay binary on the far side")
      ->capture_default_str();
  auto serve = std::make_shared<std::string>();
  cmd->add_option("--serve", *serve, "internal: the far side of an ssh:// destination (frames on stdin/stdout)");
  auto bwlimit = std::make_shared<double>(0);
  cmd->add_option("--bwlimit", *bwlimit, "limit reading to this many KiB/s (0 = no limit)")
      ->check(CLI::NonNegativeNumber);

  cmd->callback([cmd, config, o, max_delete, no_owner, quiet, bwlimit, serve, exit_code] {
    if (!serve->empty()) {
      *exit_code = fsmirror::run_mirror_serve(*serve);
      return;
    }
    if (!config->empty()) merge_config_file(*cmd, *config);
    fsmirror::CommandOptions options = *o;
    options.mirror.max_delete = fsmirror::parse_max_delete(*max_delete);
    options.mirror.owners = ::geteuid() == 0 && !*no_owner;
    options.mirror.progress = !*quiet;
    options.mirror.bwlimit_bytes_per_second = static_cast<uint64_t>(*bwlimit * 1024);
    *exit_code = fsmirror::run_mirror(options);
  });
}

}  // namespace galaxis::cli
