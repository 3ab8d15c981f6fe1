// galaxis/fsmirror/command.h — `galaxis-relay mirror` as a function.
//
// run_mirror() opens the destination (a local folder, or ssh://... through
// RemoteDestination), runs one cycle (or, with --watch, cycles on source
// changes until SIGTERM/SIGINT), prints the --json summary and returns the
// exit code: 0 ok, 1 error (or files left unsettled), 3 refused by the delete
// guard (the message names the numbers; DEST untouched). Usage errors throw
// Error(kUsage) (exit 2).
#pragma once

#include <string>

#include "galaxis/fsmirror/mirror.h"

namespace galaxis::fsmirror {

struct CommandOptions {
  MirrorOptions mirror;
  std::string dest;
  bool json = false;
  bool fsync = false;
  // --watch
  bool watch = false;
  double verify_interval_seconds = 3600;
  std::string health_listen;  // ADDR:PORT ("" = none)
  double max_age_seconds = 300;
  // ssh://
  std::string identity;
  std::string known_hosts;
  std::string remote_path = "galaxis-relay";
};

int run_mirror(const CommandOptions& options);

// `mirror --serve PATH` on stdin/stdout (serve.h).
int run_mirror_serve(const std::string& root);

}  // namespace galaxis::fsmirror
