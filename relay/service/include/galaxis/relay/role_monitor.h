// galaxis/relay/role_monitor.h — keeps a fresh RoleInput (role_agent.h) for
// the agent-check server and GET /role, so neither touches a database on its
// I/O thread.
//
// A thread re-reads the server's role row (RoleStore::load on its own
// connection, reconnecting after a failure) every `interval`, and the
// peer's epoch when a peer URL is given. decide() renders the cached input;
// when the last successful read is older than `stale_after` (server gone,
// read hanging) the answer becomes "cannot tell" → agent "down", /role 503,
// check exit 3: a load balancer must not keep sending writes on a role that
// is no longer confirmed. A relay's health (`run`) is taken from its metrics
// snapshot at decide() time.
//
// read_role_once() is the one-shot read `role check` uses (same rules).
// Thread-safe: decide() from any thread; start()/stop() from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "galaxis/common/url.h"
#include "galaxis/relay/role_agent.h"

namespace galaxis::relay {

struct RoleMonitorOptions {
  ConnectionUrl server;
  std::optional<ConnectionUrl> peer;  // read the other server's epoch (stale-active detection)
  std::string checkpoint_schema = "galaxis_relay";
  std::string pair = "default";
  std::chrono::milliseconds interval{500};
  std::chrono::milliseconds stale_after{3000};
  unsigned connect_timeout_seconds = 2;
  RoleAgentOptions agent;
};

// One read of the server's role (and the peer's epoch): never throws for an
// unreachable server — that is readable=false with the error text.
RoleInput read_role_once(const RoleMonitorOptions& options);

class RoleMonitor {
 public:
  // relay_health: the running relay's view of this server (`run`), or empty.
  RoleMonitor(RoleMonitorOptions options, std::function<std::optional<RelayHealthView>()> relay_health = {});
  ~RoleMonitor();
  RoleMonitor(const RoleMonitor&) = delete;
  RoleMonitor& operator=(const RoleMonitor&) = delete;

  // Reads once synchronously (so the first answer is real), then polls.
  void start();
  void stop();
  RoleDecision decide() const;

 private:
  void loop();

  RoleMonitorOptions options_;
  std::function<std::optional<RelayHealthView>()> relay_health_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  RoleInput input_;
  std::chrono::steady_clock::time_point read_at_{};
  std::string last_error_;
  std::thread thread_;
};

}  // namespace galaxis::relay
