#include "galaxis/relay/handshake.h"

#include <algorithm>

#include "galaxis/common/error.h"
#include "galaxis/relay/protocol.h"
#include "galaxis/relay/wire.h"

namespace galaxis::relay {

bool InitialHandshake::is_mariadb() const { return server_version.find("MariaDB") != std::string::npos; }

InitialHandshake parse_initial_handshake(std::span<const uint8_t> packet) {
  WireReader r(packet);
  InitialHandshake h;
  h.protocol_version = r.u8("protocol version");
  if (h.protocol_version != 10) {
    throw_error(Error::Kind::kUnsupported, "server speaks protocol version {}, only 10 is supported",
                h.protocol_version);
  }
  h.server_version = r.null_string("server version");
  h.connection_id = r.u32("connection id");
  auto part1 = r.bytes(8, "auth data part 1");
  h.auth_data.assign(part1.begin(), part1.end());
  r.skip(1, "filler");
  h.capabilities = r.u16("capability flags (lower)");
  if (r.empty()) return h;
  h.charset = r.u8("character set");
  h.status = r.u16("status flags");
  h.capabilities |= static_cast<uint32_t>(r.u16("capability flags (upper)")) << 16;
  const uint8_t auth_data_length = r.u8("auth data length");
  r.skip(6, "reserved");
  const uint32_t reserved_tail = r.u32("reserved / MariaDB capabilities");
  // MariaDB puts its extended capabilities here when it does not claim CLIENT_MYSQL.
  if (!(h.capabilities & capability::kLongPassword)) h.mariadb_capabilities = reserved_tail;
  if (h.capabilities & capability::kSecureConnection) {
    const size_t part2_length = std::max<int>(13, static_cast<int>(auth_data_length) - 8);
    auto part2 = r.bytes(std::min(part2_length, r.remaining()), "auth data part 2");
    h.auth_data.insert(h.auth_data.end(), part2.begin(), part2.end());
    if (!h.auth_data.empty() && h.auth_data.back() == 0) h.auth_data.pop_back();
  }
  if (h.capabilities & capability::kPluginAuth) h.auth_plugin = r.null_string("auth plugin name");
  return h;
}

uint32_t client_capabilities(uint32_t server, bool use_tls, bool with_database) {
  using namespace capability;
  if (!(server & kProtocol41)) throw_error(Error::Kind::kUnsupported, "server does not support protocol 4.1");
  if (!(server & kSecureConnection)) {
    throw_error(Error::Kind::kUnsupported, "server does not support secure (4.1) authentication");
  }
  uint32_t wanted = kLongPassword | kLongFlag | kProtocol41 | kTransactions | kSecureConnection | kMultiResults |
                    kPluginAuth | kPluginAuthLenencData | kConnectAttrs;
  if (use_tls) wanted |= kSsl;
  if (with_database) wanted |= kConnectWithDb;
  // kLongPassword stays set even if the server does not echo it: MariaDB
  // reads it as CLIENT_MYSQL ("plain MySQL client"), which is what we are.
  return (wanted & server) | kLongPassword;
}

namespace {
void write_fixed_prefix(WireWriter& w, uint32_t capabilities) {
  w.u32(capabilities);
  w.u32(kClientMaxPacket);
  w.u8(kClientCharset);
  w.zeros(23);
}
}  // namespace

std::vector<uint8_t> build_ssl_request(uint32_t capabilities) {
  WireWriter w;
  write_fixed_prefix(w, capabilities | capability::kSsl);
  return w.take();
}

std::vector<uint8_t> build_handshake_response(const HandshakeResponse& response) {
  using namespace capability;
  WireWriter w;
  write_fixed_prefix(w, response.capabilities);
  w.null_string(response.user);
  if (response.capabilities & kPluginAuthLenencData) {
    w.lenenc_int(response.auth_response.size());
  } else {
    if (response.auth_response.size() > 255) {
      throw_error(Error::Kind::kUnsupported, "auth response of {} bytes needs lenenc support",
                  response.auth_response.size());
    }
    w.u8(static_cast<uint8_t>(response.auth_response.size()));
  }
  w.bytes(response.auth_response);
  if (response.capabilities & kConnectWithDb) w.null_string(response.database);
  if (response.capabilities & kPluginAuth) w.null_string(response.auth_plugin);
  if (response.capabilities & kConnectAttrs) {
    WireWriter attrs;
    for (const auto& [key, value] : response.attributes) {
      attrs.lenenc_string(key);
      attrs.lenenc_string(value);
    }
    w.lenenc_int(attrs.data().size());
    w.bytes(attrs.data());
  }
  return w.take();
}

}  // namespace galaxis::relay
