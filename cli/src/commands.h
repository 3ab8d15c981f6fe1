// cli/src/commands.h — each subcommand registers itself on the root app.
//
// The CLI only wires modules together: a register_* function declares the
// subcommand's flags and sets a callback that calls into a module. Errors
// are galaxis::Error and are turned into messages/exit codes by main().
// The callback stores its exit code in *exit_code (0 ok, 1 runtime failure,
// 3 for "differences found" style results or a refusing guard).
#pragma once

#include <CLI/CLI.hpp>

namespace galaxis::cli {

void register_binlog_command(CLI::App& app, int* exit_code);
void register_sync_command(CLI::App& app, int* exit_code);
void register_run_command(CLI::App& app, int* exit_code);
void register_status_command(CLI::App& app, int* exit_code);
void register_mirror_command(CLI::App& app, int* exit_code);
void register_deploy_command(CLI::App& app, int* exit_code);
void register_role_command(CLI::App& app, int* exit_code);
void register_failback_command(CLI::App& app, int* exit_code);
void register_promote_command(CLI::App& app, int* exit_code);

}  // namespace galaxis::cli
