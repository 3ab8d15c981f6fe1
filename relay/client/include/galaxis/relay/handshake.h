// galaxis/relay/handshake.h — the connection phase packets: the server's
// initial handshake (protocol v10), the client's SSL request and handshake
// response (protocol 4.1), and the capability negotiation between them.
//
// Pure functions on byte spans; parse errors throw Error(kCorrupt)
// ("protocol error: ..."). Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace galaxis::relay {

struct InitialHandshake {
  uint8_t protocol_version = 10;
  std::string server_version;  // "10.11.6-MariaDB-0+deb12u1-log", "9.7.0"
  uint32_t connection_id = 0;
  std::vector<uint8_t> auth_data;  // the scramble / nonce (20 bytes usually), trailing NUL removed
  uint32_t capabilities = 0;
  uint8_t charset = 0;
  uint16_t status = 0;
  std::string auth_plugin;            // "mysql_native_password", "caching_sha2_password", ...
  uint32_t mariadb_capabilities = 0;  // MariaDB extended capabilities (0 for MySQL)

  bool is_mariadb() const;
};

// Throws Error(kCorrupt) on a malformed packet, Error(kUnsupported) for a
// protocol version other than 10. (An ERR packet must be handled before.)
InitialHandshake parse_initial_handshake(std::span<const uint8_t> packet);

// Client capabilities we ask for, given the server's. Throws
// Error(kUnsupported) when the server lacks protocol 4.1 / secure connection.
uint32_t client_capabilities(uint32_t server_capabilities, bool use_tls, bool with_database);

inline constexpr uint32_t kClientMaxPacket = 1u << 30;
inline constexpr uint8_t kClientCharset = 45;  // utf8mb4_general_ci: known to every flavour

struct HandshakeResponse {
  uint32_t capabilities = 0;
  std::string user;
  std::vector<uint8_t> auth_response;
  std::string database;  // sent only with kConnectWithDb
  std::string auth_plugin;
  std::vector<std::pair<std::string, std::string>> attributes;  // with kConnectAttrs
};

// The 32-byte SSL request sent before the TLS handshake.
std::vector<uint8_t> build_ssl_request(uint32_t capabilities);
std::vector<uint8_t> build_handshake_response(const HandshakeResponse& response);

}  // namespace galaxis::relay
