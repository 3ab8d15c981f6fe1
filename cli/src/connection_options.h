// cli/src/connection_options.h — the --source/--target URL flags and their
// password sources, shared by every subcommand that talks to a server.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "galaxis/common/url.h"

namespace galaxis::cli {

// Declares --<role> URL and --<role>-password-file PATH on `app`.
// role is "source" or "target"; the environment variable is
// GALAXIS_<ROLE>_PASSWORD.
class ConnectionOption {
 public:
  ConnectionOption(CLI::App& app, std::string role, bool required);

  bool given() const { return !url_text_.empty(); }
  // Parses the URL and resolves the password (file, then env, else empty).
  ConnectionUrl resolve() const;
  // The flags as given ("--source URL [--source-password-file PATH]"), for a
  // command line shown to the operator; holds no password (URLs cannot).
  std::vector<std::string> flags() const;

 private:
  std::string role_;
  std::string url_text_;
  std::string password_file_;
};

}  // namespace galaxis::cli
