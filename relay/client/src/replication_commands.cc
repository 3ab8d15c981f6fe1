#include "galaxis/relay/replication_commands.h"

#include "galaxis/common/error.h"
#include "galaxis/relay/protocol.h"
#include "galaxis/relay/wire.h"

namespace galaxis::relay {

namespace {
void short_string(WireWriter& w, const std::string& s) {
  const size_t n = std::min<size_t>(s.size(), 255);
  w.u8(static_cast<uint8_t>(n));
  w.bytes(std::string_view(s).substr(0, n));
}
}  // namespace

std::vector<uint8_t> build_register_slave(const RegisterReplica& replica) {
  WireWriter w;
  w.u8(command::kRegisterSlave);
  w.u32(replica.server_id);
  short_string(w, replica.report_host);
  short_string(w, replica.report_user);
  short_string(w, "");  // report_password: never sent
  w.u16(replica.report_port);
  w.u32(0);  // replication rank (unused)
  w.u32(0);  // master id (filled by the server)
  return w.take();
}

std::vector<uint8_t> build_binlog_dump(const std::string& file, uint64_t position, uint16_t flags, uint32_t server_id) {
  if (position > 0xFFFFFFFFu) {
    throw_error(Error::Kind::kUnsupported, "binlog position {} does not fit COM_BINLOG_DUMP (4 GiB limit)", position);
  }
  WireWriter w;
  w.u8(command::kBinlogDump);
  w.u32(static_cast<uint32_t>(position));
  w.u16(flags);
  w.u32(server_id);
  w.bytes(file);
  return w.take();
}

std::vector<uint8_t> build_binlog_dump_gtid(const std::string& file, uint64_t position, uint16_t flags,
                                            uint32_t server_id, std::span<const uint8_t> encoded_gtids) {
  WireWriter w;
  w.u8(command::kBinlogDumpGtid);
  w.u16(flags | dump_flag::kThroughGtid);
  w.u32(server_id);
  w.u32(static_cast<uint32_t>(file.size()));
  w.bytes(file);
  w.u64(position);
  w.u32(static_cast<uint32_t>(encoded_gtids.size()));
  w.bytes(encoded_gtids);
  return w.take();
}

}  // namespace galaxis::relay
