// `galaxis-relay promote`: make the passive the active (relay/promote.h).
// Wiring only: flags → relay::PromoteOptions → relay::run_promote().
// Admin credentials (--admin-source/--admin-target) are optional; their
// passwords come from GALAXIS_ADMIN_SOURCE_PASSWORD / ..._TARGET_PASSWORD or
// --admin-*-password-file, never from argv.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/relay/promote.h"

namespace galaxis::cli {

void register_promote_command(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "promote", "Make the passive the active: fence the old master, drain, stop the relay, flip the roles");
  auto source = std::make_shared<ConnectionOption>(*cmd, "source", true);
  auto target = std::make_shared<ConnectionOption>(*cmd, "target", true);
  auto admin_source = std::make_shared<ConnectionOption>(*cmd, "admin-source", false);
  auto admin_target = std::make_shared<ConnectionOption>(*cmd, "admin-target", false);
  auto o = std::make_shared<relay::PromoteOptions>();
  auto mirror_dest = std::make_shared<std::string>();
  auto drain_seconds = std::make_shared<double>(60);
  cmd->add_option("--stream", o->stream, "the pair: the relay's stream name")->capture_default_str();
  cmd->add_option("--checkpoint-schema", o->checkpoint_schema, "schema of checkpoint, status and role tables")
      ->capture_default_str();
  cmd->add_flag("--dry-run", o->dry_run, "print the checklist (and run --pre-promote hooks), change nothing");
  cmd->add_flag("--force", o->force, "promote although a checklist line fails (audited)");
  cmd->add_option("--drain-timeout", *drain_seconds,
                  "seconds to wait for the relay to apply the master's final position")
      ->capture_default_str();
  cmd->add_option("--max-lag", o->gates.max_lag_seconds, "checklist: most seconds behind")->capture_default_str();
  cmd->add_option("--mirror-dest", *mirror_dest, "checklist: the fsmirror DEST on this (the passive's) side");
  cmd->add_option("--mirror-marker", o->gates.mirror_marker, "checklist: path of the fsmirror complete.json");
  cmd->add_option("--max-files-age", o->gates.max_files_age_seconds,
                  "checklist: most seconds since the last complete mirror cycle")
      ->capture_default_str();
  cmd->add_option("--deploy-root", o->gates.deploy_root, "checklist: the passive's deploy root (its `current`)");
  cmd->add_option("--peer-deploy-root", o->gates.peer_deploy_root, "checklist: the active's deploy root");
  cmd->add_option("--peer-release-sha", o->gates.peer_release_sha,
                  "checklist: the active's deployed SHA (`deploy status` there), instead of --peer-deploy-root");
  cmd->add_option("--block-hours", o->gates.block_hours, "checklist: refuse within this many hours of a promotion")
      ->capture_default_str();
  cmd->add_flag("--ack-recent-promotion", o->gates.ack_recent_promotion, "promote within --block-hours anyway");
  cmd->add_option("--pre-promote", o->pre_promote, "veto hook: a non-zero exit aborts (sh -c; repeatable)");
  cmd->add_option("--post-promote", o->post_promote, "hook after the flip, e.g. move a VIP (sh -c; repeatable)");
  cmd->add_option("--audit-log", o->audit_log, "JSON-lines audit file (default: ./galaxis-relay-<stream>.audit.jsonl)");

  cmd->callback([=] {
    o->source = source->resolve();
    o->target = target->resolve();
    if (admin_source->given()) o->admin_source = admin_source->resolve();
    if (admin_target->given()) o->admin_target = admin_target->resolve();
    if (!mirror_dest->empty() && o->gates.mirror_marker.empty()) {
      o->gates.mirror_marker = *mirror_dest + "/.galaxis-mirror/complete.json";
    }
    o->drain_timeout = std::chrono::milliseconds(static_cast<int64_t>(*drain_seconds * 1000));
    if (o->audit_log.empty()) o->audit_log = "galaxis-relay-" + o->stream + ".audit.jsonl";
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o->changed_by = std::string(host) + " galaxis-relay promote";
    *exit_code = relay::run_promote(*o, [](const std::string& text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    });
  });
}

}  // namespace galaxis::cli
