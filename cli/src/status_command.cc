// `galaxis-relay status`: where the passive stands against the master.
// Wiring only: two SQL connections → relay::collect_status() → a table or
// JSON on stdout.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/relay/status.h"

namespace galaxis::cli {

void register_status_command(CLI::App& app, int* exit_code) {
  CLI::App* status = app.add_subcommand("status", "Show master and applied positions, lag, relay state, last error");
  auto source = std::make_shared<ConnectionOption>(*status, "source", true);
  auto target = std::make_shared<ConnectionOption>(*status, "target", true);
  auto options = std::make_shared<relay::StatusOptions>();
  auto json = std::make_shared<bool>(false);
  status->add_option("--stream", options->stream, "stream name of the checkpoint row")->capture_default_str();
  status->add_option("--checkpoint-schema", options->checkpoint_schema, "schema of checkpoint and status tables")
      ->capture_default_str();
  status->add_flag("--json", *json, "print JSON instead of a table");

  status->callback([source, target, options, json, exit_code] {
    sql::ConnectOptions source_options;
    source_options.role = "source";
    source_options.read_timeout_seconds = 30;
    sql::ConnectOptions target_options;
    target_options.role = "target";
    target_options.read_timeout_seconds = 30;
    sql::Connection source_connection(source->resolve(), source_options);
    sql::Connection target_connection(target->resolve(), target_options);
    const relay::StatusReport report = relay::collect_status(source_connection, target_connection, *options);
    const std::string text = *json ? relay::render_status_json(report) : relay::render_status_text(report);
    std::fwrite(text.data(), 1, text.size(), stdout);
    *exit_code = 0;
  });
}

}  // namespace galaxis::cli
