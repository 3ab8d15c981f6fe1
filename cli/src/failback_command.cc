#include <CLI/CLI.hpp>

#include "commands.h"

namespace galaxis::cli {
void register_failback_command(CLI::App&, int*) {}
}  // namespace galaxis::cli
