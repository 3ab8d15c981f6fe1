// galaxis/binlog/position.h — where a stream is in the source's binlog.
//
// `file` + `offset` name the position of the NEXT event to read (a
// checkpoint "applied up to here"). `gtid_executed` is the source's GTID
// state after the last applied transaction when the source has GTIDs:
// MySQL "uuid:1-5,uuid2:1-9[:tag:1-3]" or MariaDB "0-1-100,1-2-7"; empty
// otherwise. Positions compare by (file index, offset) — file names share a
// base and a numeric extension, e.g. binlog.000012.
#pragma once

#include <cstdint>
#include <string>

namespace galaxis::binlog {

struct BinlogPosition {
  std::string file;
  uint64_t offset = 4;
  std::string gtid_executed;

  bool operator==(const BinlogPosition&) const = default;
  std::string to_string() const { return file + ":" + std::to_string(offset); }
};

}  // namespace galaxis::binlog
