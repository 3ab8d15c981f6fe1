// galaxis-relay: one binary, one subcommand per job. Holds no logic of its
// own: parses flags, sets up logging, calls a module, maps errors to exit
// codes (0 ok, 1 runtime failure, 2 usage).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "commands.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"galaxis-relay: keep a passive MySQL/MariaDB in sync with its active master", "galaxis-relay"};
  app.set_version_flag("--version", std::string("galaxis-relay ") + std::string(galaxis::version()));
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();

  int exit_code = 0;
  // Only the subcommand named on the command line is registered (all of them
  // for --help, a typo or none): CLI11 building every subcommand's options was
  // 2.7 M instructions of a 19 M no-change `deploy now` (the cron safety net).
  struct Command {
    const char* name;
    void (*add)(CLI::App&, int*);
  };
  static constexpr Command kCommands[] = {
      {"binlog", galaxis::cli::register_binlog_command},   {"sync", galaxis::cli::register_sync_command},
      {"run", galaxis::cli::register_run_command},         {"status", galaxis::cli::register_status_command},
      {"mirror", galaxis::cli::register_mirror_command},   {"deploy", galaxis::cli::register_deploy_command},
      {"role", galaxis::cli::register_role_command},       {"failback", galaxis::cli::register_failback_command},
      {"promote", galaxis::cli::register_promote_command},
  };
  const Command* named = nullptr;
  for (int i = 1; i < argc && named == nullptr; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--log-level") {
      ++i;  // its value
      continue;
    }
    if (arg.starts_with("-")) continue;
    for (const Command& c : kCommands) {
      if (arg == c.name) named = &c;
    }
    break;  // the first word decides
  }
  for (const Command& c : kCommands) {
    if (named == nullptr || named == &c) c.add(app, &exit_code);
  }

  app.parse_complete_callback([&] { galaxis::log::init(galaxis::log::parse_level(log_level)); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help/version/usage message
    return code == 0 ? 0 : 2;
  } catch (const galaxis::Error& e) {
    std::fprintf(stderr, "galaxis-relay: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "galaxis-relay: internal error: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
