// galaxis/relay/replication_connection.h — the replication client's own
// protocol connection (our implementation, not Connector/C): connect (TCP or
// unix socket), TLS per ssl-mode, authenticate, then hand the raw packet
// channel to the replication code (COM_REGISTER_SLAVE, COM_BINLOG_DUMP*).
// Its text queries are only the session setup and the prerequisite checks
// (prerequisites.h) that must run in the very session that dumps; every other
// SQL — status, promote, role store, the applier — uses sql::Connection
// (galaxis/sql/connection.h), the one client type for Connector/C work.
//
// ssl-mode: kDisabled never asks for TLS; kPreferred uses TLS when the
// server offers it (and falls back to plain otherwise); kRequired and the
// verify modes fail with Error(kAuth) when the server does not offer TLS.
// caching_sha2_password full authentication sends the password in clear
// only over TLS or a unix socket, otherwise by RSA key exchange.
//
// Errors carry "host:port" (never the password): Error(kNetwork) for
// connection problems (retryable), Error(kAuth) for a refused login,
// ServerError for other ERR packets. Not thread-safe; move-only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/common/url.h"
#include "galaxis/relay/handshake.h"
#include "galaxis/relay/packet_io.h"
#include "galaxis/relay/protocol.h"
#include "galaxis/relay/transport.h"

namespace galaxis::relay {

// Durations (std::chrono), unlike sql::ConnectOptions' whole seconds.
struct ReplicationConnectOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds io_timeout{std::chrono::seconds(30)};
  std::string program_name = "galaxis-relay";
};

// A text-protocol result set; NULL is std::nullopt.
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  OkPacket ok;  // for statements without a result set

  // Index of a column by (case-insensitive) name, or throws Error(kCorrupt).
  size_t column(std::string_view name) const;
};

class ReplicationConnection {
 public:
  // Connects and authenticates; throws as described above.
  ReplicationConnection(const ConnectionUrl& url, ReplicationConnectOptions options = {});
  ~ReplicationConnection();
  ReplicationConnection(ReplicationConnection&&) noexcept;
  ReplicationConnection& operator=(ReplicationConnection&&) noexcept;

  // COM_QUERY; returns the result set (empty columns for OK-only statements).
  // A server error throws ServerError with the statement's first words added.
  ResultSet query(std::string_view sql);
  // The single value of a one-row, one-column query (nullopt for NULL / no row).
  std::optional<std::string> query_value(std::string_view sql);

  // Raw command access (replication): reset the sequence, send one payload.
  void send_command(std::span<const uint8_t> payload);
  void read_packet(std::vector<uint8_t>& out) { channel_->read_packet(out); }

  const InitialHandshake& server() const { return handshake_; }
  bool is_mariadb() const { return handshake_.is_mariadb(); }
  uint32_t connection_id() const { return handshake_.connection_id; }
  // "127.0.0.1:3306" or "socket:/path" — for messages.
  const std::string& peer() const { return peer_; }
  Transport& transport() { return *transport_; }
  std::string auth_plugin_used() const { return auth_plugin_used_; }

  // Sends COM_QUIT (best effort) and closes. Idempotent.
  void close();

 private:
  void authenticate(const ConnectionUrl& url, const ReplicationConnectOptions& options);
  void finish_auth(const ConnectionUrl& url, std::string plugin, std::vector<uint8_t> nonce);

  std::unique_ptr<Transport> transport_;
  std::unique_ptr<PacketChannel> channel_;
  InitialHandshake handshake_;
  std::string peer_;
  std::string auth_plugin_used_;
};

}  // namespace galaxis::relay
