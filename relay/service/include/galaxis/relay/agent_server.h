// galaxis/relay/agent_server.h — an HAProxy agent-check server (TCP).
//
// HAProxy's agent protocol: HAProxy connects to agent-port every agent-inter,
// the agent writes one ASCII line ending in "\n" ("up ready", "maint",
// "drain", "down", ...) and closes; HAProxy sends nothing. AgentServer does
// exactly that with the line from `reply()`, which is called on the server's
// one I/O thread for every connection: it must be quick and must not block
// on a database (role serve / run hand it a cached decision, see
// role_monitor.h). A throwing reply() is logged and answered "down\n".
//
// Limits (AgentLimits): at most max_connections open at once (more are
// accepted and closed at once, so the backlog never fills); a write that
// does not finish within write_timeout closes the connection; nothing is
// ever read from the peer. Binds only where told (an explicit ADDR:PORT).
//
// Errors: the constructor throws Error(kIo) when the port cannot be bound.
// start()/stop() from one thread; the destructor stops.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "galaxis/http/server.h"

namespace galaxis::relay {

struct AgentLimits {
  unsigned max_connections = 32;
  std::chrono::milliseconds write_timeout{2000};
};

class AgentServer {
 public:
  AgentServer(const http::ListenAddress& address, std::function<std::string()> reply, AgentLimits limits = {});
  ~AgentServer();
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  uint16_t port() const;
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace galaxis::relay
