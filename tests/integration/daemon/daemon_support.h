// Small helpers shared by the daemon tests (relay, failover, load balancer).
#pragma once

#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "galaxis/testing/server.h"

namespace galaxis::testing {

// Creates `user` with `grants` unless the shared server already has it.
inline void ensure_user(Server& server, const std::string& user, const std::string& password,
                        const std::string& grants) {
  if (server.query_value("SELECT COUNT(*) FROM mysql.user WHERE user = '" + user + "'") == "0") {
    server.create_user(user, password, grants);
  }
}

// Polls `ready` every 50 ms for up to `timeout`; an exception counts as
// "not yet" (a listener not up, a server restarting). True when it became ready.
inline bool eventually(const std::function<bool()>& ready, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (ready()) return true;
    } catch (const std::exception&) {
      // not yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The restricted target user of tests/integration/sql/apply_support.h: no
// SUPER, no PROCESS, no REPLICATION *.
inline constexpr const char* kRestrictedTargetGrants =
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, TRIGGER ON *.*";

// The whole file, or "" when it does not exist (yet).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// promote's JSON-lines audit log, one record a line.
inline std::vector<nlohmann::json> audit_records(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// True once a relay of `stream` (serial row or any parallel worker row) has
// written a position into its checkpoint on `passive`: what it streams from
// then on is applied.
inline bool has_checkpoint_position(Server& passive, const std::string& stream) {
  return passive.query_value("SELECT COUNT(*) FROM galaxis_relay.checkpoint WHERE (stream='" + stream +
                             "' OR stream LIKE '" + stream + "#%') AND binlog_file IS NOT NULL") != "0";
}

}  // namespace galaxis::testing
