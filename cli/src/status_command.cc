// `galaxis-relay status`: where the passive stands against the master.
// Wiring only: two SQL connections (+ the relay's /health with --health-url)
// → relay::collect_status() → a table or JSON on stdout.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/relay/promote.h"
#include "galaxis/relay/status.h"

namespace galaxis::cli {

void register_status_command(CLI::App& app, int* exit_code) {
  CLI::App* status = app.add_subcommand("status", "Show master and applied positions, lag, relay state, last error");
  auto source = std::make_shared<ConnectionOption>(*status, "source", true);
  auto target = std::make_shared<ConnectionOption>(*status, "target", true);
  auto options = std::make_shared<relay::StatusOptions>();
  auto json = std::make_shared<bool>(false);
  auto health_url = std::make_shared<std::string>();
  status->add_option("--stream", options->stream, "stream name of the checkpoint row")->capture_default_str();
  status->add_option("--checkpoint-schema", options->checkpoint_schema, "schema of checkpoint and status tables")
      ->capture_default_str();
  status->add_flag("--json", *json, "print JSON instead of a table");
  auto gates = std::make_shared<relay::PromotionGates>();
  auto mirror_dest = std::make_shared<std::string>();
  status->add_option("--mirror-dest", *mirror_dest, "files line: the fsmirror DEST on the passive's side");
  status->add_option("--mirror-marker", gates->mirror_marker, "files line: path of the fsmirror complete.json");
  status->add_option("--max-files-age", gates->max_files_age_seconds, "files line: most seconds since a complete cycle")
      ->capture_default_str();
  status->add_option("--deploy-root", gates->deploy_root, "code line: the passive's deploy root");
  status->add_option("--peer-deploy-root", gates->peer_deploy_root, "code line: the active's deploy root");
  status->add_option("--peer-release-sha", gates->peer_release_sha, "code line: the active's deployed SHA");
  status->add_option("--block-hours", gates->block_hours, "verdict: a promotion this recent blocks another")
      ->capture_default_str();
  status->add_option("--max-lag", gates->max_lag_seconds, "verdict: most seconds behind")->capture_default_str();
  status->add_option("--health-url", *health_url,
                     "also GET a running relay's /health (e.g. http://127.0.0.1:9101/health); exit 1 if unreachable");

  status->callback([source, target, options, json, health_url, gates, mirror_dest, exit_code] {
    sql::ConnectOptions source_options;
    source_options.role = "source";
    source_options.read_timeout_seconds = 30;
    sql::ConnectOptions target_options;
    target_options.role = "target";
    target_options.read_timeout_seconds = 30;
    sql::Connection source_connection(source->resolve(), source_options);
    sql::Connection target_connection(target->resolve(), target_options);
    relay::StatusReport report = relay::collect_status(source_connection, target_connection, *options);
    if (!health_url->empty()) report.health = relay::probe_health(*health_url);
    if (!mirror_dest->empty() && gates->mirror_marker.empty()) {
      gates->mirror_marker = *mirror_dest + "/.galaxis-mirror/complete.json";
    }
    report.pair = relay::pair_view(report, source_connection, target_connection, options->checkpoint_schema, *gates);
    const std::string text = *json ? relay::render_status_json(report) : relay::render_status_text(report);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    // The report is printed either way; an unreachable relay is still a failure for scripts.
    if (report.health && report.health->http_status == 0) throw Error(Error::Kind::kNetwork, report.health->error);
    *exit_code = 0;
  });
}

}  // namespace galaxis::cli
