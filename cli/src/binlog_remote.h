// cli/src/binlog_remote.h — `galaxis-relay binlog dump --source URL`: read a
// master's binlog over the replication protocol and print it with the same
// formatters as the file form. Wiring only (relay::ServerBinlogSource →
// binlog::EventDumper → stdout).
#pragma once

#include <cstdint>
#include <string>

#include "galaxis/common/url.h"

namespace galaxis::cli {

struct RemoteDumpOptions {
  ConnectionUrl source;     // password resolved
  std::string from;         // "FILE:POS" or ""
  std::string gtid;         // GTID set to start after, or ""
  bool stop_never = false;  // keep waiting for new events (else stop at the end of the last binlog)
  std::string format = "text";
  uint32_t server_id = 0;  // 0: derived
  bool verify_checksums = true;
};

// Returns the exit code (0). Throws galaxis::Error.
int dump_remote(const RemoteDumpOptions& options);

}  // namespace galaxis::cli
