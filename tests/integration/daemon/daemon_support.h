// Small helpers shared by the daemon tests (relay, failover, load balancer).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <thread>

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

}  // namespace galaxis::testing
