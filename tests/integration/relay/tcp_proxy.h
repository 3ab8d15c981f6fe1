// tests/integration/relay/tcp_proxy.h — a test-only TCP proxy between the
// relay and a master, to inject network faults.
//
// Listens on 127.0.0.1 (ephemeral port) and forwards every accepted
// connection to 127.0.0.1:target_port, one thread per direction pair.
// Faults: stall(true) stops forwarding in both directions while keeping the
// sockets open (a silent network); drop_connections() closes every open
// connection at once (a reset). Thread-safe; the destructor stops
// everything and joins its threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace galaxis::testing {

class TcpProxy {
 public:
  explicit TcpProxy(uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  void stall(bool stalled) { stalled_ = stalled; }
  void drop_connections();
  unsigned connections_accepted() const { return accepted_; }

 private:
  void accept_loop();
  void pump(int client, int server);

  uint16_t target_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<unsigned> accepted_{0};
  std::atomic<uint64_t> drop_generation_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> pumps_;
};

}  // namespace galaxis::testing
