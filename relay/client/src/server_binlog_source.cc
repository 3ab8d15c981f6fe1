#include "galaxis/relay/server_binlog_source.h"

#include <fmt/format.h>

#include "galaxis/binlog/checksum.h"
#include "galaxis/binlog/event_type.h"
#include "galaxis/binlog/events.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/gtid_set.h"
#include "galaxis/relay/replication_commands.h"
#include "galaxis/relay/wire.h"

namespace galaxis::relay {

namespace {

constexpr uint16_t kArtificialEventFlag = 0x20;  // LOG_EVENT_ARTIFICIAL_F
constexpr size_t kHeaderLength = 19;

std::string quote_sql(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

uint32_t le32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

bool trailer_is_crc32(std::span<const uint8_t> event) {
  const size_t body = event.size() - binlog::kChecksumLength;
  return binlog::crc32(event.first(body)) == le32(event.data() + body);
}

bool looks_purged(const std::string& message) {
  for (const char* marker : {"Could not find first log file", "purged", "not in the master's binlog",
                             "not in the source's binlog", "Could not find GTID", "could not find", "GTID"}) {
    if (message.find(marker) != std::string::npos) return true;
  }
  return false;
}

bool looks_like_max_packet_problem(const std::string& message) {
  return message.find("max_allowed_packet") != std::string::npos;
}

}  // namespace

ServerBinlogSource::ServerBinlogSource(ServerSourceOptions options)
    : options_(std::move(options)), server_id_(options_.server_id != 0 ? options_.server_id : default_server_id()) {}

ServerBinlogSource::~ServerBinlogSource() { close(); }

std::string ServerBinlogSource::describe() const {
  return fmt::format("{}@{}", options_.url.user,
                     options_.url.socket.empty() ? fmt::format("{}:{}", options_.url.host, options_.url.port)
                                                 : "socket:" + options_.url.socket);
}

uint32_t ServerBinlogSource::connection_id() const { return connection_ ? connection_->connection_id() : 0; }
uint64_t ServerBinlogSource::bytes_received() const {
  return connection_ ? connection_->transport().bytes_received() : 0;
}

void ServerBinlogSource::rethrow_with_context(Error& e) const {
  const std::string where =
      position_.file.empty()
          ? (position_.gtid_executed.empty() ? "the first binlog" : "GTID " + position_.gtid_executed)
          : position_.to_string();
  e.add_context(fmt::format("source {} at {}", describe(), where));
  throw;
}

void ServerBinlogSource::open(const StartPosition& from) {
  close();
  position_ = binlog::BinlogPosition{from.file, from.offset, from.gtid_set};
  event_file_ = from.file;
  at_end_ = false;
  checksum_length_ = 0;
  seen_format_ = false;
  try {
    open_connection(from);
  } catch (Error& e) {
    if (connection_) connection_->transport().close();
    connection_.reset();
    rethrow_with_context(e);
  }
}

void ServerBinlogSource::open_connection(const StartPosition& from) {
  connection_ = std::make_unique<ReplicationConnection>(options_.url, options_.connect);
  ReplicationConnection& c = *connection_;
  master_ = inspect_master(c, server_id_, options_.check_prerequisites, options_.check_prerequisites && !opened_once_);
  opened_once_ = true;

  // Announce checksum support: the master then sends events with their CRC32.
  c.query("SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum");
  if (options_.heartbeat_period.count() > 0) {
    const uint64_t ns = static_cast<uint64_t>(options_.heartbeat_period.count()) * 1000000ull;
    c.query(fmt::format("SET @master_heartbeat_period = {0}, @source_heartbeat_period = {0}", ns));
  }
  if (master_.mariadb) {
    c.query("SET @mariadb_slave_capability = 4");  // MARIA_SLAVE_CAPABILITY_GTID
    if (from.by_gtid()) {
      c.query("SET @slave_connect_state = " + quote_sql(from.gtid_set));
      c.query("SET @slave_gtid_strict_mode = 1, @slave_gtid_ignore_duplicates = 0");
    }
  }
  if (options_.register_replica) {
    RegisterReplica replica;
    replica.server_id = server_id_;
    replica.report_host = "galaxis-relay";
    replica.report_user = "";
    c.send_command(build_register_slave(replica));
    std::vector<uint8_t> reply;
    c.read_packet(reply);
    if (is_err_packet(reply)) {
      ServerError error = parse_err_packet(reply);
      if (error.code() == server_error::kAccessDenied || error.code() == server_error::kSpecificAccessDenied) {
        error.add_context(
            "the master refused to register us as a replica (GRANT REPLICATION SLAVE ON *.* to the user)");
      }
      throw error;
    }
  }

  uint16_t flags = options_.non_blocking ? dump_flag::kNonBlock : 0;
  std::vector<uint8_t> dump;
  if (from.by_gtid() && !master_.mariadb) {
    const MysqlGtidSet gtids = MysqlGtidSet::parse(from.gtid_set);
    dump = build_binlog_dump_gtid("", 4, flags, server_id_, gtids.encode());
  } else {
    if (master_.mariadb && options_.annotate_rows) flags |= dump_flag::kSendAnnotateRows;
    dump = build_binlog_dump(from.by_gtid() ? "" : from.file, from.by_gtid() ? 4 : from.offset, flags, server_id_);
  }
  c.send_command(dump);
  // From here on silence means a dead master or network: heartbeats keep an
  // idle but healthy connection talking.
  if (options_.heartbeat_period.count() > 0) {
    c.transport().set_timeout(options_.heartbeat_period * options_.stall_periods);
  } else {
    c.transport().set_timeout(std::chrono::hours(24 * 365));
  }
  log::info(
      "relay: streaming from {} ({}) as server_id {} starting at {}", describe(), master_.version, server_id_,
      from.by_gtid() ? "GTID " + from.gtid_set : (from.file.empty() ? "the first binlog" : position_.to_string()));
}

std::optional<SourceEvent> ServerBinlogSource::next() {
  if (at_end_) return std::nullopt;
  if (!connection_) {
    throw_error(Error::Kind::kNetwork, "source {} is not connected (open() first)", describe());
  }
  try {
    connection_->read_packet(packet_);
    if (packet_.empty()) throw_error(Error::Kind::kCorrupt, "protocol error: empty packet in the binlog stream");
    if (packet_[0] == 0xFF) {
      ServerError error = parse_err_packet(packet_);
      if (error.code() == server_error::kMasterFatalReadingBinlog) {
        if (looks_like_max_packet_problem(error.server_message())) {
          throw Error(Error::Kind::kServer,
                      fmt::format("the master cannot send an event larger than its max_allowed_packet: {} (raise "
                                  "max_allowed_packet on the master)",
                                  error.server_message()));
        }
        if (looks_purged(error.server_message())) {
          PositionPurgedError purged(fmt::format(
              "the master cannot stream from this position (purged binlog or GTID not in the binlog): {}. "
              "Resynchronise with `galaxis-relay sync`, which copies the data and records a fresh position to "
              "stream from",
              error.server_message()));
          purged.set_server_error(error.code(), "HY000");  // 1236 ER_MASTER_FATAL_ERROR_READING_BINLOG
          throw purged;
        }
        throw Error(Error::Kind::kServer,
                    fmt::format("the master cannot stream from this position (not an event boundary or unreadable "
                                "binlog): {}. If the position was purged, resynchronise with `galaxis-relay sync`, "
                                "which copies the data and records a fresh position to stream from",
                                error.server_message()));
      }
      if (error.code() == server_error::kSpecificAccessDenied || error.code() == server_error::kAccessDenied) {
        error.add_context("the master refused the binlog dump (GRANT REPLICATION SLAVE ON *.* to the user)");
      }
      throw error;
    }
    if (is_eof_packet(packet_)) {
      if (!options_.non_blocking) {
        // A blocking dump never ends by itself: the master is shutting down.
        throw_error(Error::Kind::kNetwork, "the master ended the binlog stream (shutting down?)");
      }
      at_end_ = true;
      return std::nullopt;
    }
    if (packet_[0] != 0x00) {
      throw_error(Error::Kind::kCorrupt, "protocol error: binlog stream packet starts with 0x{:02x}", packet_[0]);
    }
    SourceEvent out;
    out.bytes = std::span<const uint8_t>(packet_).subspan(1);
    track_position(out.bytes, &out);
    out.file = event_file_;
    return out;
  } catch (Error& e) {
    if (connection_) connection_->transport().close();
    rethrow_with_context(e);
  }
}

void ServerBinlogSource::track_position(std::span<const uint8_t> event, SourceEvent* out) {
  if (event.size() < kHeaderLength) {
    throw_error(Error::Kind::kCorrupt, "protocol error: event of {} bytes is shorter than its header", event.size());
  }
  const uint8_t type = event[4];
  const uint32_t event_size = le32(event.data() + 9);
  const uint32_t log_pos = le32(event.data() + 13);
  const auto flags = static_cast<uint16_t>(event[17] | (event[18] << 8));
  if (event_size != event.size()) {
    throw_error(Error::Kind::kCorrupt, "event header says {} bytes but the packet carries {} ({} event)", event_size,
                event.size(), binlog::event_type_name(type));
  }
  const auto etype = static_cast<binlog::EventType>(type);
  const bool heartbeat = etype == binlog::EventType::kHeartbeat || etype == binlog::EventType::kHeartbeatV2;
  // Artificial: heartbeats, events flagged so (the fake ROTATE), and a
  // FORMAT_DESCRIPTION re-sent with log_pos 0 when starting mid-file. Other
  // events with log_pos 0 (MariaDB 11.8 sends ANNOTATE_ROWS so) are real
  // events at the current position.
  out->artificial =
      heartbeat || (flags & kArtificialEventFlag) ||
      (log_pos == 0 && (etype == binlog::EventType::kFormatDescription || etype == binlog::EventType::kRotate));
  const uint64_t real_end = log_pos != 0 ? log_pos : position_.offset + event_size;
  event_file_ = position_.file;
  if (etype == binlog::EventType::kFormatDescription && event.size() >= kHeaderLength + 57 + 5) {
    // The checksum algorithm byte precedes the FDE's own 4-byte checksum.
    checksum_length_ = event[event.size() - 5] == 1 ? 4 : 0;
    seen_format_ = true;
  }
  if (out->artificial) {
    out->offset = position_.offset;
    out->next_position = position_.offset;
  } else {
    out->offset = real_end >= event_size ? real_end - event_size : 0;
    out->next_position = real_end;
    position_.offset = real_end;
  }
  if (etype == binlog::EventType::kRotate) {
    WireReader r(event.subspan(kHeaderLength));
    const uint64_t next_offset = r.u64("rotate position");
    size_t name_length = r.remaining();
    if (!out->artificial) {
      if (checksum_length_ <= name_length) name_length -= checksum_length_;
    } else if (name_length > binlog::kChecksumLength && trailer_is_crc32(event)) {
      name_length -= binlog::kChecksumLength;
      if (!seen_format_) {
        // The fake rotate at connect precedes the FORMAT_DESCRIPTION, so a
        // decoder cannot know it carries a CRC32 trailer: present it without
        // one (size field adjusted), as a checksum-less master sends it.
        packet_.resize(packet_.size() - binlog::kChecksumLength);
        const uint32_t new_size = event_size - static_cast<uint32_t>(binlog::kChecksumLength);
        for (int i = 0; i < 4; ++i) packet_[1 + 9 + i] = static_cast<uint8_t>(new_size >> (8 * i));
        out->bytes = std::span<const uint8_t>(packet_).subspan(1);
      }
    }
    std::string next_file = r.fixed_string(name_length, "rotate file name");
    position_.file = std::move(next_file);
    position_.offset = next_offset;
    if (out->artificial) event_file_ = position_.file;
  }
}

void ServerBinlogSource::close() {
  if (connection_) {
    // A dump in progress cannot take COM_QUIT; just drop the socket.
    connection_->transport().close();
    connection_.reset();
  }
}

}  // namespace galaxis::relay
