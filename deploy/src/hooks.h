// deploy/src/hooks.h — runs one hook command with a deadline (internal).
//
// /bin/sh -c COMMAND in `cwd`, stdin /dev/null, stdout+stderr captured (the
// last 4 KiB kept), in its own process group, killed as a group with SIGKILL
// at the deadline. PR_SET_PDEATHSIG kills the shell if the deployer dies.
// Safe to call from a multi-threaded process (only async-signal-safe calls
// between fork and exec). `env` is added to the environment.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "galaxis/deploy/release.h"

namespace galaxis::deploy::detail {

HookRun run_hook(const std::string& stage, const std::string& command, const std::string& cwd,
                 const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds timeout);

}  // namespace galaxis::deploy::detail
