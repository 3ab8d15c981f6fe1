#include "galaxis/relay/protocol.h"

#include <fmt/format.h>

#include "galaxis/relay/wire.h"

namespace galaxis::relay {

namespace {
Error::Kind kind_for(uint16_t code) {
  switch (code) {
    case server_error::kAccessDenied:
    case server_error::kSpecificAccessDenied:
    case server_error::kDbAccessDenied: return Error::Kind::kAuth;
    case server_error::kConnectionKilled:
    case server_error::kServerShutdown:
    case server_error::kQueryInterrupted: return Error::Kind::kNetwork;
    default: return Error::Kind::kServer;
  }
}
}  // namespace

ServerError::ServerError(uint16_t code, std::string sql_state, std::string server_message)
    : Error(kind_for(code), sql_state.empty()
                                ? fmt::format("server error {}: {}", code, server_message)
                                : fmt::format("server error {} ({}): {}", code, sql_state, server_message)),
      code_(code),
      sql_state_(std::move(sql_state)),
      server_message_(std::move(server_message)) {
  set_server_error(code, sql_state_);
}

OkPacket parse_ok_packet(std::span<const uint8_t> packet) {
  WireReader r(packet);
  OkPacket ok;
  r.u8("OK header");
  ok.affected_rows = r.lenenc_int("affected rows");
  ok.last_insert_id = r.lenenc_int("last insert id");
  if (r.remaining() >= 4) {
    ok.status = r.u16("status flags");
    ok.warnings = r.u16("warnings");
  }
  ok.info = r.rest_string();
  return ok;
}

ServerError parse_err_packet(std::span<const uint8_t> packet) {
  WireReader r(packet);
  r.u8("ERR header");
  const uint16_t code = r.u16("error code");
  std::string state;
  if (!r.empty() && r.peek("sql state marker") == '#') {
    r.skip(1, "sql state marker");
    state = r.fixed_string(std::min<size_t>(5, r.remaining()), "sql state");
  }
  return ServerError(code, std::move(state), r.rest_string());
}

void throw_if_err(std::span<const uint8_t> packet) {
  if (is_err_packet(packet)) throw parse_err_packet(packet);
}

}  // namespace galaxis::relay
