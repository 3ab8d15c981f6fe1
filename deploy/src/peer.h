// deploy/src/peer.h — the same deploy on a peer over SSH (libssh2; internal).
//
// Connects to ssh://user@host[:port]/ROOT (10 s to connect), checks the
// host key against a pinned known_hosts (required), authenticates once with
// the key (a refusal fails, never loops), and runs
//   REMOTE_BINARY deploy now --root ROOT --sha SHA --passive --trigger peer
//   [--config REMOTE_CONFIG | --repo REPO --branch BRANCH]
// with stdout+stderr merged (last 4 KiB kept) and `timeout` for the whole
// exchange. Never throws: failures are in the result.
#pragma once

#include <chrono>
#include <string>

namespace galaxis::deploy::detail {

struct PeerRequest {
  std::string url;
  std::string identity;
  std::string known_hosts;
  std::string remote_binary = "galaxis-relay";
  std::string remote_config;
  std::string repo;
  std::string branch;
  std::chrono::seconds timeout{900};
};

struct PeerOutcome {
  bool ok = false;
  int exit_code = -1;
  std::string output_tail;
  std::string error;
};

PeerOutcome deploy_on_peer(const PeerRequest& request, const std::string& sha);

}  // namespace galaxis::deploy::detail
