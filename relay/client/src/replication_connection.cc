#include "galaxis/relay/replication_connection.h"

#include <algorithm>
#include <cctype>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/auth.h"
#include "galaxis/relay/wire.h"

namespace galaxis::relay {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
std::string statement_head(std::string_view sql) {
  std::string head(sql.substr(0, 60));
  if (sql.size() > 60) head += "...";
  return head;
}
}  // namespace

size_t ResultSet::column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (iequals(columns[i], name)) return i;
  }
  throw_error(Error::Kind::kCorrupt, "result set has no column '{}'", name);
}

ReplicationConnection::ReplicationConnection(const ConnectionUrl& url, ReplicationConnectOptions options)
    : transport_(std::make_unique<Transport>()),
      channel_(std::make_unique<PacketChannel>(*transport_)),
      peer_(url.socket.empty() ? (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" +
                                     std::to_string(url.port)
                               : "socket:" + url.socket) {
  with_context(peer_, [&] { authenticate(url, options); });
}

ReplicationConnection::~ReplicationConnection() { close(); }
ReplicationConnection::ReplicationConnection(ReplicationConnection&&) noexcept = default;
ReplicationConnection& ReplicationConnection::operator=(ReplicationConnection&&) noexcept = default;

void ReplicationConnection::authenticate(const ConnectionUrl& url, const ReplicationConnectOptions& options) {
  transport_->set_timeout(options.io_timeout);
  if (url.socket.empty()) {
    transport_->connect_tcp(url.host, url.port, options.connect_timeout);
  } else {
    transport_->connect_unix(url.socket, options.connect_timeout);
  }
  std::vector<uint8_t> packet;
  channel_->reset_sequence();
  channel_->read_packet(packet);
  throw_if_err(packet);  // e.g. "Too many connections", "Host is blocked"
  handshake_ = parse_initial_handshake(packet);

  const bool server_tls = handshake_.capabilities & capability::kSsl;
  bool use_tls = false;
  switch (url.ssl_mode) {
    case SslMode::kDisabled: break;
    case SslMode::kPreferred: use_tls = server_tls && !transport_->is_unix_socket(); break;
    case SslMode::kRequired:
    case SslMode::kVerifyCa:
    case SslMode::kVerifyIdentity:
      if (!server_tls) {
        throw_error(Error::Kind::kAuth,
                    "ssl-mode={} but the server does not offer TLS (configure ssl_cert/ssl_key on it)",
                    to_string(url.ssl_mode));
      }
      use_tls = true;
      break;
  }
  const uint32_t caps = client_capabilities(handshake_.capabilities, use_tls, !url.database.empty());
  if (use_tls) {
    channel_->write_packet(build_ssl_request(caps));
    transport_->start_tls(url.ssl_mode, url.ssl_ca, url.host);
  }

  std::string plugin = handshake_.auth_plugin.empty() ? std::string(kNativePassword) : handshake_.auth_plugin;
  // For a plugin we do not know, answer with caching_sha2/native and let the
  // server switch us to what the account really uses.
  if (!auth_plugin_supported(plugin)) {
    plugin = handshake_.is_mariadb() ? std::string(kNativePassword) : std::string(kCachingSha2Password);
  }
  HandshakeResponse response;
  response.capabilities = caps;
  response.user = url.user;
  response.auth_response = initial_auth_response(plugin, url.password.reveal(), handshake_.auth_data);
  response.database = url.database;
  response.auth_plugin = plugin;
  response.attributes = {{"_client_name", "galaxis-relay"}, {"program_name", options.program_name}};
  channel_->write_packet(build_handshake_response(response));
  finish_auth(url, plugin, handshake_.auth_data);
}

void ReplicationConnection::finish_auth(const ConnectionUrl& url, std::string plugin, std::vector<uint8_t> nonce) {
  const std::string& password = url.password.reveal();
  std::vector<uint8_t> packet;
  const bool secure_channel = transport_->tls_active() || transport_->is_unix_socket();
  for (int round = 0; round < 8; ++round) {
    channel_->read_packet(packet);
    if (packet.empty()) throw_error(Error::Kind::kCorrupt, "protocol error: empty packet during authentication");
    if (is_ok_packet(packet)) {
      auth_plugin_used_ = plugin;
      return;
    }
    if (is_err_packet(packet)) {
      ServerError error = parse_err_packet(packet);
      if (error.code() == server_error::kAccessDenied) {
        error.add_context(fmt::format("authentication as '{}' failed ({}{})", url.user, plugin,
                                      password.empty() ? ", no password given: set GALAXIS_SOURCE_PASSWORD or "
                                                         "--source-password-file"
                                                       : ""));
      }
      throw error;
    }
    if (packet[0] == 0xFE) {  // auth switch request
      WireReader r(packet);
      r.u8("auth switch header");
      plugin = r.null_string("auth switch plugin");
      auto data = r.rest();
      nonce.assign(data.begin(), data.end());
      // Hash plugins send a NUL-terminated 20-byte scramble; ed25519's 32
      // random bytes have no terminator (and may end in 0).
      if (plugin != kClientEd25519 && !nonce.empty() && nonce.back() == 0) nonce.pop_back();
      log::debug("relay: {} asks to switch authentication to {}", peer_, plugin);
      channel_->write_packet(initial_auth_response(plugin, password, nonce));
      continue;
    }
    if (packet[0] == 0x01 && plugin == kCachingSha2Password) {  // auth more data
      if (packet.size() < 2) throw_error(Error::Kind::kCorrupt, "protocol error: short caching_sha2 message");
      if (packet[1] == 0x03) continue;  // fast auth succeeded, OK follows
      if (packet[1] == 0x04) {          // full authentication required
        if (secure_channel) {
          std::vector<uint8_t> clear(password.begin(), password.end());
          clear.push_back(0);
          channel_->write_packet(clear);
          std::fill(clear.begin(), clear.end(), 0);
          continue;
        }
        const uint8_t request_key[] = {0x02};
        channel_->write_packet(request_key);
        channel_->read_packet(packet);
        throw_if_err(packet);
        if (packet.empty() || packet[0] != 0x01) {
          throw_error(Error::Kind::kCorrupt, "protocol error: expected the server's RSA public key");
        }
        std::string_view pem(reinterpret_cast<const char*>(packet.data() + 1), packet.size() - 1);
        channel_->write_packet(rsa_encrypt_password(password, nonce, pem));
        continue;
      }
      throw_error(Error::Kind::kCorrupt, "protocol error: unknown caching_sha2 status 0x{:02x}", packet[1]);
    }
    throw_error(Error::Kind::kCorrupt, "protocol error: unexpected packet 0x{:02x} during {} authentication", packet[0],
                plugin);
  }
  throw_error(Error::Kind::kCorrupt, "protocol error: authentication did not finish after 8 rounds");
}

void ReplicationConnection::send_command(std::span<const uint8_t> payload) {
  channel_->reset_sequence();
  channel_->write_packet(payload);
}

ResultSet ReplicationConnection::query(std::string_view sql) {
  return with_context(peer_ + ": " + statement_head(sql), [&] {
    WireWriter w;
    w.u8(command::kQuery);
    w.bytes(sql);
    send_command(w.data());
    std::vector<uint8_t> packet;
    channel_->read_packet(packet);
    ResultSet result;
    throw_if_err(packet);
    if (is_ok_packet(packet)) {
      result.ok = parse_ok_packet(packet);
      return result;
    }
    WireReader count_reader(packet);
    const uint64_t column_count = count_reader.lenenc_int("column count");
    if (column_count == 0 || column_count > 4096) {
      throw_error(Error::Kind::kCorrupt, "protocol error: result set with {} columns", column_count);
    }
    for (uint64_t i = 0; i < column_count; ++i) {
      channel_->read_packet(packet);
      WireReader r(packet);
      r.lenenc_string("catalog");
      r.lenenc_string("schema");
      r.lenenc_string("table");
      r.lenenc_string("org_table");
      result.columns.push_back(r.lenenc_string("column name"));
    }
    channel_->read_packet(packet);
    if (!is_eof_packet(packet))
      throw_error(Error::Kind::kCorrupt, "protocol error: expected EOF after column definitions");
    while (true) {
      channel_->read_packet(packet);
      throw_if_err(packet);
      if (is_eof_packet(packet)) break;
      WireReader r(packet);
      std::vector<std::optional<std::string>> row;
      row.reserve(column_count);
      for (uint64_t i = 0; i < column_count; ++i) {
        if (r.peek("row value") == 0xFB) {
          r.skip(1, "NULL");
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(r.lenenc_string("row value"));
        }
      }
      result.rows.push_back(std::move(row));
    }
    return result;
  });
}

std::optional<std::string> ReplicationConnection::query_value(std::string_view sql) {
  ResultSet rs = query(sql);
  if (rs.rows.empty() || rs.rows[0].empty()) return std::nullopt;
  return rs.rows[0][0];
}

void ReplicationConnection::close() {
  if (!transport_ || !transport_->is_open()) return;
  try {
    const uint8_t quit[] = {command::kQuit};
    auto saved = transport_->timeout();
    transport_->set_timeout(std::chrono::milliseconds(200));
    send_command(quit);
    transport_->set_timeout(saved);
  } catch (const Error&) {
    // The connection may already be gone; closing is best effort.
  }
  transport_->close();
}

}  // namespace galaxis::relay
