// galaxis/deploy/release.h — one deploy run, rollback and status on a root.
//
// Layout under --root:
//   releases/<UTC time>-<full sha>/  whole trees, no .git
//   current -> releases/<...>        a symlink, replaced with rename(2)
//   shared/                          writable/, .env, per-country config: linked into every release
//   .deploy/mirror.git               bare libgit2 mirror of --repo (only --branch is fetched)
//   .deploy/lock                     flock(2): one deploy/rollback at a time, on this host
//   .deploy/building                 the release being built (removed when it is complete)
//   .deploy/history.jsonl            one JSON line per run (see docs/deploy.md)
//   .deploy/bad                      SHAs rolled back from ("<sha> <release>"), never auto-deployed again
//   .deploy/deliveries               webhook delivery IDs already received
//
// deploy() guarantees:
//  - Serialized: it holds an exclusive flock on .deploy/lock (O_CLOEXEC, so
//    hooks do not inherit it) for the whole run; the kernel drops it when the
//    process dies, so a crash never leaves a lock behind.
//  - A crashed run is cleaned by the next: the release named in
//    .deploy/building is deleted unless `current` already points at it.
//  - It deploys the branch tip as fetched when it starts; if that is what
//    `current` runs (or a SHA marked bad by a rollback) it does nothing
//    (Outcome::kUnchanged).
//  - A release is written from the commit's tree: blobs whose path, blob id
//    and mode equal those of the current release's commit are hard-linked
//    from the current release (cost: the releases share those inodes, so a
//    hook that rewrites a tracked file *in place* changes older releases
//    too; rewriting through a new file + rename is safe); the rest is
//    written. Then shared paths are linked, `reuse` directories (vendor/)
//    copied from the previous release when their lock file is unchanged,
//    syncfs(2), before-switch hooks,
//    active-only hooks (skipped with passive), then `current` is switched
//    with symlink + rename(2) and the root directory fsynced, then
//    after-switch hooks. Any failure before the switch deletes the new
//    release and leaves `current` untouched (Outcome::kFailed, switched =
//    false). An after-switch hook failure is kFailed with switched = true.
//  - Keeps the newest `keep` releases (and always `current`).
// Everything a run did is appended to history.jsonl, failures included.
// Errors in the setup (root not writable, repo unreachable) are reported
// as kFailed results too; only bad options throw Error(kUsage).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace galaxis::deploy {

struct DeployOptions {
  std::string repo;  // file:// URL, local path, ssh://user@host[:port]/path or https://
  std::string branch = "main";
  std::string identity;     // ssh:// : private key file (ed25519/ECDSA deploy key)
  std::string known_hosts;  // ssh:// : pinned host keys (required)
  std::string token_file;   // https:// : token used as the password
  std::filesystem::path root;
  unsigned keep = 5;
  std::vector<std::string> before_switch;  // /bin/sh -c, cwd = the new release
  std::vector<std::string> after_switch;   // cwd = the new release, now current
  std::vector<std::string> active_only;    // before the switch, skipped when passive
  bool passive = false;
  std::chrono::seconds hook_timeout{600};
  std::vector<std::string> shared = {"writable", ".env"};  // relative paths under shared/
  // "DIR:LOCKFILE": DIR of the previous release is hard-link copied into
  // the new one before the hooks when LOCKFILE has the same bytes in both
  // (deploy/src/reuse.h; files rewritten in place by composer are copied).
  std::vector<std::string> reuse = {"vendor:composer.lock"};
  // syncfs(2) on the release's file system before the switch, so a power
  // loss cannot leave `current` pointing at unwritten files. Costs whatever
  // else is dirty on that file system (1.2 s seen on the shared 2-core box).
  bool sync = true;
  std::string trigger = "manual";  // who asked: delivery IDs, "manual", "cron"
  // Deploy exactly this commit (it must be in the fetched branch's history)
  // instead of the tip: what a peer is asked to do.
  std::string sha;
  // After this server ends on a SHA (deployed or already there), the same
  // SHA is deployed on each peer over SSH (ssh://user@host[:port]/ROOT):
  // `peer_binary deploy now --root ROOT --sha SHA --passive` with
  // --config peer_config when given, else --repo/--branch as here. The
  // peer's host key must be in peer_known_hosts (default known_hosts),
  // the key is peer_identity (default identity). A failing peer does not
  // undo this server's deploy; it is reported (DeployResult::peers_failed).
  std::vector<std::string> peers;
  std::string peer_binary = "galaxis-relay";
  std::string peer_config;
  std::string peer_identity;
  std::string peer_known_hosts;
};

struct HookRun {
  std::string stage;  // before-switch, active-only, after-switch
  std::string command;
  int exit_code = -1;  // -1: killed (timeout) or not started
  bool timed_out = false;
  double seconds = 0;
  std::string output_tail;  // last 4 KiB of stdout+stderr
};

struct DeployResult {
  enum class Outcome { kDeployed, kUnchanged, kFailed };
  Outcome outcome = Outcome::kFailed;
  bool switched = false;
  std::string sha;
  std::string release;
  std::string previous;
  bool peers_failed = false;  // a --peer did not end on sha (see message, record["peers"])
  std::string message;        // one line for humans
  nlohmann::json record;      // the history line
};

// Throws Error(kUsage) for options that cannot work (no --repo/--root, bad branch).
void validate(const DeployOptions& options);

DeployResult deploy(const DeployOptions& options);

// Switches `current` back to `to` (a release name), or to the newest
// release older than current that is not marked bad; marks the abandoned
// release's SHA bad; runs the after-switch hooks.
DeployResult rollback(const DeployOptions& options, const std::string& to = "");

// Current release, SHA, when, trigger, releases on disk, bad SHAs, running
// (lock held), building marker, last error, last history entries.
nlohmann::json status(const DeployOptions& options);

}  // namespace galaxis::deploy
