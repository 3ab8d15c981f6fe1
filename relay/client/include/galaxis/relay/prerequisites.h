// galaxis/relay/prerequisites.h — checks that a master can feed us before
// we ask it for its binlog, so that failures read as instructions rather
// than as protocol errors: log_bin on, binlog_format ROW, our account holds
// REPLICATION SLAVE (and REPLICATION CLIENT / BINLOG MONITOR), and our
// server_id differs from the master's and from every registered replica's.
//
// Errors: Error(kServer) for master configuration problems, Error(kAuth)
// for missing grants, Error(kUsage) for a server_id clash; each names the
// setting and what to do. Not thread-safe (uses the given connection).
//
// Runs on the ReplicationConnection that then dumps, not on an sql::Connection:
// SHOW GRANTS must describe the replication user of that very session, and the
// client target stays free of Connector/C (binlog + common only).
#pragma once

#include <cstdint>
#include <string>

#include "galaxis/relay/replication_connection.h"

namespace galaxis::relay {

struct MasterInfo {
  bool mariadb = false;
  std::string version;
  uint32_t server_id = 0;
  std::string binlog_format;
  std::string binlog_checksum;  // "CRC32" / "NONE"
  std::string gtid_mode;        // MySQL: "ON", "OFF", ...; "" on MariaDB
};

// Reads the master's settings (always) and, when `check` is set, enforces
// the prerequisites. `check_other_replicas` also looks at SHOW SLAVE HOSTS
// for our server_id (skip it on reconnect: our old registration may linger).
MasterInfo inspect_master(ReplicationConnection& connection, uint32_t our_server_id, bool check,
                          bool check_other_replicas);

// Grant lines (SHOW GRANTS output) → whether the global grants include
// `privilege` (or ALL PRIVILEGES). Exposed for tests.
bool grants_include(const std::vector<std::string>& grant_lines, std::string_view privilege);

// A stable server_id for this host (hash of the host name into
// 0x47000000..0x47FFFFFF), used when none is configured.
uint32_t default_server_id();

}  // namespace galaxis::relay
