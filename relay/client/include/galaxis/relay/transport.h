// galaxis/relay/transport.h — one client connection's bytes: TCP or a unix
// socket, optionally upgraded to TLS, every operation under a deadline.
//
// Built on Boost.Asio with a private io_context: each blocking call starts
// the asynchronous operation and runs the context for at most the timeout;
// when the deadline passes the socket is closed and Error(kNetwork) "... no
// data for N s (stalled connection)" is thrown. Reads go through a 64 KiB
// buffer so that small reads (packet headers) do not each cost a syscall.
//
// TLS follows the ssl-mode semantics of the mysql clients: kRequired
// encrypts without verifying; kVerifyCa verifies the chain against ssl-ca
// (or the system store); kVerifyIdentity also checks the host name/IP.
// The caller decides whether TLS is attempted at all (handshake.h).
//
// Errors: Error(kNetwork) for connect failures, resets, EOF and timeouts;
// Error(kAuth) for TLS certificate verification failures. Messages do not
// name the peer — the ReplicationConnection adds "host:port" as context.
// Not thread-safe; one Transport per connection, used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "galaxis/common/url.h"
#include "galaxis/relay/packet_io.h"

namespace galaxis::relay {

class Transport : public ByteStream {
 public:
  Transport();
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void connect_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);
  void connect_unix(const std::string& path, std::chrono::milliseconds timeout);

  // TLS client handshake over the connected socket. `ca_file` may be empty
  // (system default paths). `host` is used for SNI and kVerifyIdentity.
  void start_tls(SslMode mode, const std::string& ca_file, const std::string& host);
  bool tls_active() const;
  std::string tls_description() const;  // "TLSv1.3 TLS_AES_256_GCM_SHA384"
  bool is_unix_socket() const { return unix_socket_; }

  // Deadline for each read (the wait for the next byte, not the whole packet
  // body) and each write.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  void read_exact(uint8_t* out, size_t n) override;
  void write_all(std::span<const uint8_t> data) override;

  // Closes the socket; further reads/writes throw. Idempotent.
  void close();
  bool is_open() const;

  // Total bytes received since connect (for metrics/bench).
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  struct Impl;
  size_t read_some(uint8_t* out, size_t n);

  std::unique_ptr<Impl> impl_;
  std::chrono::milliseconds timeout_{std::chrono::seconds(30)};
  bool unix_socket_ = false;
  uint64_t bytes_received_ = 0;
};

}  // namespace galaxis::relay
