#include "galaxis/relay/role_monitor.h"

#include <fmt/format.h>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/role_store.h"

namespace galaxis::relay {

namespace {

sql::ConnectOptions quick(unsigned connect_timeout, const char* role) {
  sql::ConnectOptions o;
  o.connect_timeout_seconds = connect_timeout;
  o.read_timeout_seconds = 5;
  o.write_timeout_seconds = 5;
  o.role = role;
  return o;
}

}  // namespace

RoleInput read_role_once(const RoleMonitorOptions& options) {
  RoleInput input;
  input.pair = options.pair;
  const sql::RoleStore store(options.checkpoint_schema, options.pair);
  try {
    sql::Connection server(options.server, quick(options.connect_timeout_seconds, "server"));
    input.record = store.load(server);
  } catch (const Error& e) {
    input.readable = false;
    input.read_error = e.what();
    return input;
  }
  if (options.peer) {
    // The peer being down is normal during a failover: its epoch is then unknown, not an error.
    try {
      sql::Connection peer(*options.peer, quick(options.connect_timeout_seconds, "peer"));
      if (auto peer_row = store.load(peer)) input.peer_epoch = peer_row->epoch;
    } catch (const Error& e) {
      log::debug("role: peer epoch unknown: {}", e.what());
    }
  }
  return input;
}

RoleMonitor::RoleMonitor(RoleMonitorOptions options, std::function<std::optional<RelayHealthView>()> relay_health)
    : options_(std::move(options)), relay_health_(std::move(relay_health)) {
  input_.pair = options_.pair;
  input_.readable = false;
  input_.read_error = "not read yet";
}

RoleMonitor::~RoleMonitor() { stop(); }

void RoleMonitor::start() {
  if (thread_.joinable()) return;
  RoleInput first = read_role_once(options_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    if (first.readable) read_at_ = std::chrono::steady_clock::now();
    input_ = std::move(first);
  }
  thread_ = std::thread([this] { loop(); });
}

void RoleMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RoleMonitor::loop() {
  // A fresh connection per read keeps this simple and survives server
  // restarts; at the default 500 ms that is two cheap connects a second.
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    RoleInput next = read_role_once(options_);
    lock.lock();
    if (next.readable) {
      read_at_ = std::chrono::steady_clock::now();
      input_ = std::move(next);
      last_error_.clear();
    } else {
      if (last_error_ != next.read_error) log::warn("role: {}", next.read_error);
      last_error_ = next.read_error;
    }
  }
}

RoleDecision RoleMonitor::decide() const {
  RoleInput input;
  {
    std::lock_guard lock(mutex_);
    input = input_;
    const auto age = std::chrono::steady_clock::now() - read_at_;
    if (input.readable && age > options_.stale_after) {
      input.readable = false;
      input.read_error = fmt::format("role last confirmed {} ms ago ({})",
                                     std::chrono::duration_cast<std::chrono::milliseconds>(age).count(),
                                     last_error_.empty() ? std::string("read hanging") : last_error_);
    }
  }
  if (relay_health_) input.relay = relay_health_();
  return decide_role(input, options_.agent);
}

}  // namespace galaxis::relay
