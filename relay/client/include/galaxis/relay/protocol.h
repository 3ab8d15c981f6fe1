// galaxis/relay/protocol.h — constants and generic packets of the MySQL /
// MariaDB client/server protocol: capability flags, command bytes, and the
// OK / ERR / EOF packets every command may answer with.
//
// A server's ERR packet becomes a ServerError (an Error carrying the error
// number and SQLSTATE) so callers can react to specific codes (1236: binlog
// position purged; 1045: access denied) without parsing text.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "galaxis/common/error.h"

namespace galaxis::relay {

namespace capability {
inline constexpr uint32_t kLongPassword = 0x1;  // MariaDB: CLIENT_MYSQL
inline constexpr uint32_t kFoundRows = 0x2;
inline constexpr uint32_t kLongFlag = 0x4;
inline constexpr uint32_t kConnectWithDb = 0x8;
inline constexpr uint32_t kProtocol41 = 0x200;
inline constexpr uint32_t kSsl = 0x800;
inline constexpr uint32_t kTransactions = 0x2000;
inline constexpr uint32_t kSecureConnection = 0x8000;
inline constexpr uint32_t kMultiStatements = 0x10000;
inline constexpr uint32_t kMultiResults = 0x20000;
inline constexpr uint32_t kPluginAuth = 0x80000;
inline constexpr uint32_t kConnectAttrs = 0x100000;
inline constexpr uint32_t kPluginAuthLenencData = 0x200000;
inline constexpr uint32_t kDeprecateEof = 0x1000000;
}  // namespace capability

namespace command {
inline constexpr uint8_t kQuit = 0x01;
inline constexpr uint8_t kQuery = 0x03;
inline constexpr uint8_t kPing = 0x0e;
inline constexpr uint8_t kBinlogDump = 0x12;
inline constexpr uint8_t kRegisterSlave = 0x15;
inline constexpr uint8_t kBinlogDumpGtid = 0x1e;
}  // namespace command

// Server error numbers we act on.
namespace server_error {
inline constexpr uint16_t kAccessDenied = 1045;          // ER_ACCESS_DENIED_ERROR
inline constexpr uint16_t kSpecificAccessDenied = 1227;  // ER_SPECIFIC_ACCESS_DENIED_ERROR
inline constexpr uint16_t kMasterFatalReadingBinlog = 1236;
inline constexpr uint16_t kDbAccessDenied = 1044;
inline constexpr uint16_t kUnknownSystemVariable = 1193;
inline constexpr uint16_t kConnectionKilled = 1927;  // MariaDB ER_CONNECTION_KILLED
inline constexpr uint16_t kServerShutdown = 1053;
inline constexpr uint16_t kQueryInterrupted = 1317;
}  // namespace server_error

// An ERR packet from the server. Kind is kAuth for access-denied errors,
// kNetwork for shutdown/killed (the connection is gone, retry), else kServer.
class ServerError : public Error {
 public:
  ServerError(uint16_t code, std::string sql_state, std::string server_message);
  uint16_t code() const { return code_; }
  const std::string& sql_state() const { return sql_state_; }
  const std::string& server_message() const { return server_message_; }

 private:
  uint16_t code_;
  std::string sql_state_;
  std::string server_message_;
};

struct OkPacket {
  uint64_t affected_rows = 0;
  uint64_t last_insert_id = 0;
  uint16_t status = 0;
  uint16_t warnings = 0;
  std::string info;
};

inline bool is_ok_packet(std::span<const uint8_t> p) { return !p.empty() && p[0] == 0x00; }
inline bool is_err_packet(std::span<const uint8_t> p) { return !p.empty() && p[0] == 0xFF; }
// An EOF packet (0xFE) is shorter than 9 bytes; longer 0xFE packets are data.
inline bool is_eof_packet(std::span<const uint8_t> p) { return !p.empty() && p[0] == 0xFE && p.size() < 9; }

OkPacket parse_ok_packet(std::span<const uint8_t> packet);
// Builds the ServerError for an ERR packet (with or without "#SQLSTATE").
ServerError parse_err_packet(std::span<const uint8_t> packet);
// Throws parse_err_packet(packet) when `packet` is an ERR packet.
void throw_if_err(std::span<const uint8_t> packet);

}  // namespace galaxis::relay
