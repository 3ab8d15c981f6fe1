#include <map>
#include <memory>
#include <utility>

#include "galaxis/common/error.h"
#include "galaxis/testing/server.h"

namespace galaxis::testing {

namespace {

struct SharedServers {
  std::map<std::pair<Flavor, Role>, std::unique_ptr<Server>> servers;
  std::map<std::pair<Flavor, Role>, std::string> failures;  // a failed start is not retried
  ~SharedServers() { servers.clear(); }
};

SharedServers& shared() {
  static SharedServers instance;  // destroyed at exit: stops the servers
  return instance;
}

}  // namespace

Server& shared_server(Flavor flavor, Role role) {
  SharedServers& s = shared();
  const auto key = std::make_pair(flavor, role);
  if (auto it = s.servers.find(key); it != s.servers.end()) {
    if (!it->second->running()) it->second->start();  // e.g. a test stopped or killed it
    return *it->second;
  }
  if (auto it = s.failures.find(key); it != s.failures.end()) {
    throw Error(Error::Kind::kRuntime, "shared server failed to start earlier in this run: " + it->second);
  }
  ServerOptions options;
  options.flavor = flavor;
  options.role = role;
  options.server_id = role == Role::kMaster ? 1 : 2;
  auto server = std::make_unique<Server>(options);
  try {
    server->start();
  } catch (const Error& e) {
    s.failures[key] = e.what();
    server->keep_datadir();
    throw;
  }
  return *s.servers.emplace(key, std::move(server)).first->second;
}

void stop_shared_servers() { shared().servers.clear(); }

}  // namespace galaxis::testing
