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
  status->add_option("--health-url", *health_url,
                     "also GET a running relay's /health (e.g. http://127.0.0.1:9101/health); exit 1 if unreachable");

  status->callback([source, target, options, json, health_url, exit_code] {
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
    const std::string text = *json ? relay::render_status_json(report) : relay::render_status_text(report);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    // The report is printed either way; an unreachable relay is still a failure for scripts.
    if (report.health && report.health->http_status == 0) throw Error(Error::Kind::kNetwork, report.health->error);
    *exit_code = 0;
  });
}

}  // namespace galaxis::cli
