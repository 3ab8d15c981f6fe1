// cli/src/config_file.h — `--config FILE` for a subcommand.
//
// CLI11 2.1 reads a config file only for the root app, so commands merge the
// file themselves: each key names a flag of the command (without --, e.g.
// `max-delete = "5%"`, lists as [..]); keys may also sit in a section named
// after the command ([run], [mirror]), so one file per country/server can
// carry the DB and the file settings: `mirror` reads only its [mirror]
// section when the file has one. Flags given on the command line win.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace galaxis::cli {

// Applies `path` to the options of `command` that the command line left
// unset. Keys in another command's section are ignored. Throws
// Error(kUsage) naming the file and key.
void merge_config_file(CLI::App& command, const std::string& path);

}  // namespace galaxis::cli
