// `galaxis-relay deploy serve|now|rollback|status`: wiring only — flags (or
// --config FILE, TOML/INI with the flags as keys, top level or a [deploy]
// section; the command line wins) -> deploy::DeployOptions -> deploy/.
// Exit codes: 0 deployed or nothing to do, 1 failed (current unchanged
// unless the message says it switched), 2 usage.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "galaxis/common/error.h"
#include "galaxis/common/secret.h"
#include "galaxis/deploy/release.h"
#include "galaxis/deploy/serve.h"

namespace galaxis::cli {
namespace {

struct DeployFlags {
  std::string config;
  std::string repo;
  std::string branch = "main";
  std::string root;
  std::string identity;
  std::string known_hosts;
  std::string token_file;
  std::string secret_file;
  std::string listen = "127.0.0.1:9102";
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> before_switch;
  std::vector<std::string> after_switch;
  std::vector<std::string> active_only;
  std::vector<std::string> shared;
  std::vector<std::string> reuse;
  bool no_reuse = false;
  unsigned keep = 5;
  unsigned hook_timeout = 600;
  bool passive = false;
  bool sync = true;
  uint64_t max_body_mb = 25;
  unsigned read_timeout_ms = 10000;
  unsigned max_connections = 64;
  std::vector<std::string> peers;
  std::string peer_binary = "galaxis-relay";
  std::string peer_config;
  std::string peer_identity;
  std::string peer_known_hosts;
  std::string sha;
  std::string to;
  bool json = false;
};

void merge_config_file(CLI::App& command, const std::string& path) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    throw_error(Error::Kind::kUsage, "--config {}: {}", path, e.what());
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    const std::string key =
        item.parents.empty() || (item.parents.size() == 1 && item.parents[0] == "deploy") ? item.name : item.fullname();
    if (key == "config") throw_error(Error::Kind::kUsage, "--config {}: a config file cannot name another", path);
    CLI::Option* option = nullptr;
    try {
      option = command.get_option("--" + key);
    } catch (const CLI::Error&) {
      // One file serves all four subcommands: keys of the others are fine,
      // anything else (a typo) is an error rather than silently ignored.
      static const std::set<std::string> kOtherKeys = {
          "secret-file",     "listen",  "tls-cert", "tls-key", "max-body-mb", "read-timeout-ms",
          "max-connections", "trigger", "sha",      "to",      "json"};
      if (kOtherKeys.contains(key)) continue;
      throw_error(Error::Kind::kUsage, "--config {}: unknown key '{}' (keys are the flags of `deploy` without --)",
                  path, item.fullname());
    }
    if (option->count() > 0) continue;  // the command line wins
    try {
      for (const std::string& input : item.inputs) option->add_result(input);
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw_error(Error::Kind::kUsage, "--config {}: {}: {}", path, key, e.what());
    }
  }
}

void add_common(CLI::App* app, DeployFlags& f) {
  app->add_option("--config", f.config, "TOML/INI file setting any of these flags (key = value; lists as [..])");
  app->add_option("--repo", f.repo, "git URL to deploy from (file://, a path, ssh://user@host[:port]/path, https://)");
  app->add_option("--branch", f.branch, "branch to deploy")->capture_default_str();
  app->add_option("--root", f.root, "directory holding releases/, current, shared/, .deploy/");
  app->add_option("--identity", f.identity, "ssh:// repos: private key file (ed25519/ECDSA deploy key)");
  app->add_option("--known-hosts", f.known_hosts, "ssh:// repos: known_hosts file pinning the server's key (required)");
  app->add_option("--token-file", f.token_file, "https:// repos: file holding the access token");
  app->add_option("--before-switch", f.before_switch, "hook run in the new release before the switch (repeatable)");
  app->add_option("--after-switch", f.after_switch, "hook run after the switch (repeatable)");
  app->add_option("--active-only", f.active_only,
                  "hook run before the switch on the active server only, e.g. migrations (repeatable)");
  app->add_flag("--passive", f.passive, "this server is the passive: skip --active-only hooks");
  app->add_option("--shared", f.shared,
                  "path linked from shared/ into every release (repeatable; default: writable and .env)");
  app->add_option("--reuse", f.reuse,
                  "DIR:LOCKFILE reused from the previous release (hard-link copy) when LOCKFILE is unchanged "
                  "(repeatable; default vendor:composer.lock)");
  app->add_flag("--no-reuse", f.no_reuse, "never reuse directories of the previous release");
  app->add_option("--keep", f.keep, "releases kept on disk")->capture_default_str();
  app->add_flag("--sync,!--no-sync", f.sync,
                "syncfs(2) the new release before switching (default on; --no-sync trusts the page cache)");
  app->add_option("--hook-timeout", f.hook_timeout, "seconds each hook may run")->capture_default_str();
  app->add_option("--peer", f.peers,
                  "ssh://user@host[:port]/ROOT: deploy the same SHA there (as --passive) over SSH (repeatable)");
  app->add_option("--peer-binary", f.peer_binary, "galaxis-relay on the peer")->capture_default_str();
  app->add_option("--peer-config", f.peer_config, "--config file on the peer (else --repo/--branch are passed)");
  app->add_option("--peer-identity", f.peer_identity, "SSH key for peers (default --identity)");
  app->add_option("--peer-known-hosts", f.peer_known_hosts, "known_hosts for peers (default --known-hosts)");
}

deploy::DeployOptions to_options(const DeployFlags& f, const std::string& trigger) {
  if (f.root.empty()) throw_error(Error::Kind::kUsage, "--root is required (on the command line or in --config)");
  deploy::DeployOptions o;
  o.repo = f.repo;
  o.branch = f.branch;
  o.identity = f.identity;
  o.known_hosts = f.known_hosts;
  o.token_file = f.token_file;
  o.root = f.root;
  o.keep = f.keep;
  o.before_switch = f.before_switch;
  o.after_switch = f.after_switch;
  o.active_only = f.active_only;
  o.passive = f.passive;
  o.sync = f.sync;
  o.hook_timeout = std::chrono::seconds(f.hook_timeout);
  if (!f.shared.empty()) o.shared = f.shared;
  if (!f.reuse.empty()) o.reuse = f.reuse;
  if (f.no_reuse) o.reuse.clear();
  o.trigger = trigger;
  o.peers = f.peers;
  o.peer_binary = f.peer_binary;
  o.peer_config = f.peer_config;
  o.peer_identity = f.peer_identity;
  o.peer_known_hosts = f.peer_known_hosts;
  o.sha = f.sha;
  deploy::validate(o);
  return o;
}

int report(const deploy::DeployResult& result) {
  std::printf("%s\n", result.message.c_str());
  return result.outcome == deploy::DeployResult::Outcome::kFailed || result.peers_failed ? 1 : 0;
}

}  // namespace

void register_deploy_command(CLI::App& app, int* exit_code) {
  CLI::App* deploy = app.add_subcommand("deploy", "Push-to-deploy: webhook, atomic releases, rollback");
  deploy->require_subcommand(1);

  auto serve_flags = std::make_shared<DeployFlags>();
  CLI::App* serve = deploy->add_subcommand("serve", "Receive signed webhooks and deploy from a queue (daemon)");
  add_common(serve, *serve_flags);
  serve->add_option("--secret-file", serve_flags->secret_file,
                    "file holding the GitHub/Gitea HMAC secret or GitLab token (else env GALAXIS_DEPLOY_SECRET)");
  serve->add_option("--listen", serve_flags->listen, "ADDR:PORT for webhooks, /health and /metrics")
      ->capture_default_str();
  serve->add_option("--tls-cert", serve_flags->tls_cert,
                    "PEM certificate chain: serve HTTPS on --listen (with --tls-key; plain HTTP is then refused)");
  serve->add_option("--tls-key", serve_flags->tls_key, "PEM private key of --tls-cert");
  serve->add_option("--max-body-mb", serve_flags->max_body_mb, "largest webhook body (MiB)")->capture_default_str();
  serve->add_option("--read-timeout-ms", serve_flags->read_timeout_ms, "time to read one whole request")
      ->capture_default_str();
  serve->add_option("--max-connections", serve_flags->max_connections, "connections open at once")
      ->capture_default_str();
  serve->callback([serve, serve_flags, exit_code] {
    if (!serve_flags->config.empty()) merge_config_file(*serve, serve_flags->config);
    deploy::ServeOptions options;
    options.deploy = to_options(*serve_flags, "serve");
    std::optional<Secret> secret = read_secret("GALAXIS_DEPLOY_SECRET", serve_flags->secret_file);
    if (secret) options.secret = std::move(*secret);
    options.listen = serve_flags->listen;
    options.max_body_bytes = serve_flags->max_body_mb << 20;
    options.read_timeout = std::chrono::milliseconds(serve_flags->read_timeout_ms);
    options.max_connections = serve_flags->max_connections;
    options.tls_cert = serve_flags->tls_cert;
    options.tls_key = serve_flags->tls_key;
    *exit_code = deploy::serve(options);
  });

  auto now_flags = std::make_shared<DeployFlags>();
  CLI::App* now = deploy->add_subcommand("now", "Fetch; deploy if the branch tip changed (cron, manual)");
  add_common(now, *now_flags);
  auto trigger = std::make_shared<std::string>("manual");
  now->add_option("--trigger", *trigger, "recorded in the history as who asked")->capture_default_str();
  now->add_option("--sha", now_flags->sha, "deploy this commit of the branch instead of its tip (peers use it)");
  now->callback([now, now_flags, trigger, exit_code] {
    if (!now_flags->config.empty()) merge_config_file(*now, now_flags->config);
    *exit_code = report(deploy::deploy(to_options(*now_flags, *trigger)));
  });

  auto rollback_flags = std::make_shared<DeployFlags>();
  CLI::App* rollback = deploy->add_subcommand("rollback", "Switch back to an older release; mark this one bad");
  add_common(rollback, *rollback_flags);
  rollback->add_option("--to", rollback_flags->to,
                       "release name (see `deploy status`); default: the previous good one");
  rollback->callback([rollback, rollback_flags, exit_code] {
    if (!rollback_flags->config.empty()) merge_config_file(*rollback, rollback_flags->config);
    *exit_code = report(deploy::rollback(to_options(*rollback_flags, "rollback"), rollback_flags->to));
  });

  auto status_flags = std::make_shared<DeployFlags>();
  CLI::App* status = deploy->add_subcommand("status", "Current release, history, last error");
  add_common(status, *status_flags);
  status->add_flag("--json", status_flags->json, "print JSON");
  status->callback([status, status_flags, exit_code] {
    if (!status_flags->config.empty()) merge_config_file(*status, status_flags->config);
    const nlohmann::json j = deploy::status(to_options(*status_flags, "status"));
    if (status_flags->json) {
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("current:   %s\n", j["current"].is_null() ? "(none)" : j["current"].get<std::string>().c_str());
      std::printf("deployed:  %s by %s\n",
                  j["deployed_at"].is_null() ? "?" : j["deployed_at"].get<std::string>().c_str(),
                  j["trigger"].is_null() ? "?" : j["trigger"].get<std::string>().c_str());
      std::printf("running:   %s\n", j["running"].get<bool>() ? "yes" : "no");
      std::printf("releases:  %zu on disk\n", j["releases"].size());
      for (const auto& r : j["releases"]) std::printf("  %s\n", r.get<std::string>().c_str());
      if (!j["bad"].empty()) std::printf("bad SHAs:  %s\n", j["bad"].dump().c_str());
      if (!j["last_error"].is_null()) std::printf("last error: %s\n", j["last_error"].get<std::string>().c_str());
    }
    *exit_code = 0;
  });
}

}  // namespace galaxis::cli
