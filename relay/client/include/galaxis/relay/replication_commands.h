// galaxis/relay/replication_commands.h — the replica-side command packets:
// COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID. Pure builders
// (payload without the 4-byte packet header), thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace galaxis::relay {

namespace dump_flag {
inline constexpr uint16_t kNonBlock = 0x01;          // send EOF at the end instead of waiting
inline constexpr uint16_t kSendAnnotateRows = 0x02;  // MariaDB: include ANNOTATE_ROWS events
inline constexpr uint16_t kThroughPosition = 0x02;   // MySQL COM_BINLOG_DUMP_GTID
inline constexpr uint16_t kThroughGtid = 0x04;       // MySQL COM_BINLOG_DUMP_GTID
}  // namespace dump_flag

struct RegisterReplica {
  uint32_t server_id = 0;
  std::string report_host;
  std::string report_user;
  uint16_t report_port = 0;
};

std::vector<uint8_t> build_register_slave(const RegisterReplica& replica);
// Throws Error(kUnsupported) for a position that does not fit in 32 bits.
std::vector<uint8_t> build_binlog_dump(const std::string& file, uint64_t position, uint16_t flags, uint32_t server_id);
// `encoded_gtids` from MysqlGtidSet::encode(); kThroughGtid is added to flags.
std::vector<uint8_t> build_binlog_dump_gtid(const std::string& file, uint64_t position, uint16_t flags,
                                            uint32_t server_id, std::span<const uint8_t> encoded_gtids);

}  // namespace galaxis::relay
