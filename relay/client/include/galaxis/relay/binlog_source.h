// galaxis/relay/binlog_source.h — where raw binlog events come from.
//
// A BinlogSource yields whole events (header, body, checksum trailer as the
// master sent them) together with the binlog file they belong to and their
// positions. It is the seam between the network client (ServerBinlogSource)
// and everything that decodes: tests inject faults through it, and a file
// reader could implement it too.
//
// Positions: `offset` is where the event starts in `file` and
// `next_position` where the next one starts. Artificial events — the fake
// ROTATE a master sends at connect, the re-sent FORMAT_DESCRIPTION when
// starting mid-file, heartbeats — have `artificial` set; they are not at
// that place in the file and do not move the position.
//
// Contract: open() may be called again after close() or after any error to
// resume (reconnect) from a new position. next() returns std::nullopt when a
// non-blocking dump reached the end of the master's last binlog. Errors are
// galaxis::Error with a message naming the source and the position; kNetwork
// means "reconnect and resume may help", every other kind is fatal.
// Not thread-safe: one reader thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "galaxis/binlog/position.h"
#include "galaxis/common/error.h"

namespace galaxis::relay {

struct StartPosition {
  // File + offset; an empty file means "from the GTID state" (gtid_set) or,
  // when that is empty too, "from the master's first binlog".
  std::string file;
  uint64_t offset = 4;
  // MariaDB "0-1-100,1-2-7" (last applied per domain) or MySQL "uuid:1-100"
  // (all applied). Without a file the stream starts after these
  // transactions; with a file it only seeds the GTID state the stream
  // reports (pass a checkpoint's gtid_executed together with its position).
  std::string gtid_set;

  bool by_gtid() const { return file.empty() && !gtid_set.empty(); }
};

// The master no longer has the requested start position: its binlog was
// purged past it (or, by GTID, it lacks transactions the position assumes).
// Kind kServer, like any other server refusal; a distinct type so that the
// daemon can offer (or, with --auto-resync, run) the fallback sync.
class PositionPurgedError : public Error {
 public:
  explicit PositionPurgedError(std::string message) : Error(Kind::kServer, std::move(message)) {}
};

struct SourceEvent {
  std::span<const uint8_t> bytes;  // valid until the next call to next()
  std::string_view file;           // valid until the next call to next()
  uint64_t offset = 0;
  uint64_t next_position = 0;
  bool artificial = false;
};

class BinlogSource {
 public:
  virtual ~BinlogSource() = default;

  virtual void open(const StartPosition& from) = 0;
  virtual std::optional<SourceEvent> next() = 0;
  virtual void close() = 0;

  // "mysql://repl@127.0.0.1:3306" style, for messages (no password).
  virtual std::string describe() const = 0;
  // The file and offset of the next event to be read.
  virtual binlog::BinlogPosition position() const = 0;
  // The server's version and flavour after open() (for logs and metrics);
  // "" / false when not known (files, test sources).
  virtual std::string server_version() const { return {}; }
  virtual bool server_is_mariadb() const { return false; }
};

}  // namespace galaxis::relay
