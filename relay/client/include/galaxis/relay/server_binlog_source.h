// galaxis/relay/server_binlog_source.h — the BinlogSource that reads a
// master's binlog over the replication protocol.
//
// open(): connects (ReplicationConnection), checks prerequisites (prerequisites.h),
// prepares the session (checksum announcement @master_binlog_checksum /
// @source_binlog_checksum, @mariadb_slave_capability=4, heartbeat period in
// ns, and for MariaDB GTID starts @slave_connect_state with strict mode),
// registers as a replica (COM_REGISTER_SLAVE) and requests the stream:
// COM_BINLOG_DUMP by file/position (MariaDB also by GTID), or
// COM_BINLOG_DUMP_GTID (MySQL by GTID). With non_blocking the master sends
// EOF at the end of its last binlog and next() returns std::nullopt.
//
// next(): one packet = one event (reassembled past 16 MiB by PacketChannel).
// Silence longer than stall_periods × heartbeat_period is a dead connection
// (Error kNetwork). The position follows ROTATE (also the fake one at
// connect) and each event's log_pos; artificial events do not move it.
//
// Errors name the source and position: "source repl@127.0.0.1:3306 at
// binlog.000003:1234: ...". A purged start position (server error 1236
// saying so) is PositionPurgedError (kServer), any other 1236 Error(kServer),
// both pointing to `galaxis-relay sync`; a refused login
// or missing grant is Error(kAuth); network trouble is Error(kNetwork).
// Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/common/url.h"
#include "galaxis/relay/binlog_source.h"
#include "galaxis/relay/prerequisites.h"
#include "galaxis/relay/replication_connection.h"

namespace galaxis::relay {

struct ServerSourceOptions {
  ConnectionUrl url;                                                    // with the password filled in
  uint32_t server_id = 0;                                               // 0: default_server_id()
  bool non_blocking = false;                                            // stop at the end of the last binlog
  std::chrono::milliseconds heartbeat_period{std::chrono::seconds(5)};  // 0: no heartbeats
  unsigned stall_periods = 3;
  ReplicationConnectOptions connect;
  bool check_prerequisites = true;
  bool register_replica = true;
  bool annotate_rows = true;  // MariaDB: ask for ANNOTATE_ROWS (as in the binlog file)
};

class ServerBinlogSource : public BinlogSource {
 public:
  explicit ServerBinlogSource(ServerSourceOptions options);
  ~ServerBinlogSource() override;

  void open(const StartPosition& from) override;
  std::optional<SourceEvent> next() override;
  void close() override;
  std::string describe() const override;
  binlog::BinlogPosition position() const override { return position_; }
  std::string server_version() const override { return master_.version; }
  bool server_is_mariadb() const override { return master_.mariadb; }

  // Available after open().
  const MasterInfo& master() const { return master_; }
  uint32_t server_id() const { return server_id_; }
  // The master's connection id of our dump thread (for KILL in tests).
  uint32_t connection_id() const;
  uint64_t bytes_received() const;

 private:
  void open_connection(const StartPosition& from);
  void track_position(std::span<const uint8_t> event, SourceEvent* out);
  [[noreturn]] void rethrow_with_context(Error& e) const;

  ServerSourceOptions options_;
  uint32_t server_id_;
  std::unique_ptr<ReplicationConnection> connection_;
  MasterInfo master_;
  bool opened_once_ = false;
  bool at_end_ = false;
  binlog::BinlogPosition position_;
  std::string event_file_;
  std::vector<uint8_t> packet_;
  size_t checksum_length_ = 0;
  bool seen_format_ = false;
};

}  // namespace galaxis::relay
