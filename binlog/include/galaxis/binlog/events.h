// galaxis/binlog/events.h — the decoded form of every binlog event.
//
// An Event is a header plus one body alternative. Bodies own their data,
// except TransactionPayloadEvent::compressed, which views the buffer passed
// to Decoder::decode() and is valid only as long as that buffer is.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "galaxis/binlog/event_type.h"
#include "galaxis/binlog/rows.h"
#include "galaxis/binlog/table_map.h"

namespace galaxis::binlog {

inline constexpr size_t kEventHeaderLength = 19;  // v4 header
inline constexpr size_t kChecksumLength = 4;      // CRC32 trailer

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type_code = 0;  // raw code; may be one EventType does not name
  uint32_t server_id = 0;
  uint32_t event_size = 0;     // header + body + checksum
  uint32_t next_position = 0;  // log_pos: end of this event in its file (0 in some relay logs / payloads)
  uint16_t flags = 0;

  EventType type() const { return static_cast<EventType>(type_code); }
};

enum class ChecksumAlgorithm : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

struct FormatDescriptionEvent {
  uint16_t binlog_version = 4;
  std::string server_version;  // "8.0.40-debug", "10.11.6-MariaDB-log"
  uint32_t create_timestamp = 0;
  uint8_t header_length = kEventHeaderLength;
  std::vector<uint8_t> post_header_lengths;  // index = type code - 1
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kOff;

  bool is_mariadb() const;
  // Post-header length for a type code, 0 when the FDE does not list it.
  uint8_t post_header_length(uint8_t type_code) const;
};

struct RotateEvent {
  uint64_t position = 0;
  std::string next_file;
};

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string database;
  std::string query;
  // Status variables we act on (others are skipped by their known lengths).
  std::optional<uint32_t> flags2;  // OPTION_* bits (foreign/unique checks, autocommit)
  std::optional<uint64_t> sql_mode;
  std::optional<std::array<uint16_t, 3>> charset;  // client, connection, server collation ids
  std::string time_zone;                           // empty when not set
  std::optional<uint16_t> lc_time_names;
  std::optional<uint16_t> charset_database;
  std::optional<uint64_t> table_map_for_update;
  std::optional<uint32_t> explicit_defaults_ts;
  std::optional<uint64_t> ddl_xid;  // MySQL 8.0 atomic DDL
  std::optional<uint16_t> default_collation_for_utf8mb4;
  std::optional<uint8_t> sql_require_primary_key;
  std::optional<uint8_t> default_table_encryption;
  bool compressed = false;  // MariaDB QUERY_COMPRESSED_EVENT
  // Further status variables (kept for display and for DDL replay):
  std::string catalog;                                    // Q_CATALOG(_NZ)_CODE, usually "std"
  std::optional<std::array<uint16_t, 2>> auto_increment;  // increment, offset
  std::optional<uint32_t> microseconds;                   // Q_MICROSECONDS / MariaDB Q_HRNOW
  std::optional<uint64_t> xid;                            // MariaDB Q_XID
  std::string invoker_user, invoker_host;                 // Q_INVOKER (definer of SP/views)
  std::vector<std::string> updated_db_names;              // Q_UPDATED_DB_NAMES
  // False when an unknown status variable code stopped the walk; the rest of
  // the status block was skipped by its length (the statement is still right).
  bool status_vars_complete = true;
};

struct XidEvent {
  uint64_t xid = 0;
};

struct XaPrepareEvent {
  bool one_phase = false;
  int32_t format_id = 0;
  std::string gtrid;
  std::string bqual;
};

// MySQL GTID / ANONYMOUS_GTID / GTID_TAGGED.
struct GtidEvent {
  bool anonymous = false;
  uint8_t flags = 0;  // commit flag (may be committed together)
  std::array<uint8_t, 16> sid{};
  std::string tag;  // MySQL 8.3+ tagged GTIDs, else empty
  int64_t gno = 0;
  std::optional<int64_t> last_committed;
  std::optional<int64_t> sequence_number;
  std::optional<uint64_t> immediate_commit_timestamp;  // microseconds
  std::optional<uint64_t> original_commit_timestamp;
  std::optional<uint64_t> transaction_length;
  std::optional<uint32_t> immediate_server_version;
  std::optional<uint32_t> original_server_version;
  // "3E11FA47-71CA-11E1-9E33-C80AA9429562:23" (":tag:23" when tagged), lower-case uuid.
  std::string to_string() const;
};

// One interval set of one source uuid (and tag) in PREVIOUS_GTIDS.
struct GtidInterval {
  int64_t start = 0;  // inclusive
  int64_t end = 0;    // exclusive
};
struct GtidSidSet {
  std::array<uint8_t, 16> sid{};
  std::string tag;
  std::vector<GtidInterval> intervals;
};
struct PreviousGtidsEvent {
  std::vector<GtidSidSet> sets;
  std::string to_string() const;  // "uuid:1-5:7,uuid2:1-3"
};

// MariaDB GTID (begins a transaction / event group).
struct MariaGtidEvent {
  uint64_t sequence = 0;
  uint32_t domain_id = 0;
  uint8_t flags =
      0;  // FL_STANDALONE 1, FL_GROUP_COMMIT_ID 2, FL_TRANSACTIONAL 4, ... FL_PREPARED_XA 64, FL_COMPLETED_XA 128
  std::optional<uint64_t> commit_id;
  std::string xa_xid;  // for XA flags
  uint8_t flags_extra = 0;
  // "domain-server-sequence" needs the header's server_id: see Event::mariadb_gtid().
  bool standalone() const { return flags & 1; }
};

struct MariaGtid {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t sequence = 0;
};
struct MariaGtidListEvent {
  uint32_t flags = 0;
  std::vector<MariaGtid> gtids;
};

struct MariaBinlogCheckpointEvent {
  std::string file;
};

struct AnnotateRowsEvent {  // MariaDB ANNOTATE_ROWS: the statement text
  std::string query;
};
struct RowsQueryEvent {  // MySQL ROWS_QUERY
  std::string query;
};

struct HeartbeatEvent {
  std::string log_file;                  // v1: the body; v2: from its TLV fields
  std::optional<uint64_t> log_position;  // v2 only
};

struct IncidentEvent {
  uint16_t incident = 0;
  std::string message;
};

struct IntvarEvent {
  uint8_t kind = 0;  // 1 LAST_INSERT_ID, 2 INSERT_ID
  uint64_t value = 0;
};
struct RandEvent {
  uint64_t seed1 = 0, seed2 = 0;
};
struct UserVarEvent {
  std::string name;
  bool is_null = true;
  uint8_t value_type = 0;
  uint32_t charset = 0;
  std::string value;         // raw bytes
  bool is_unsigned = false;  // integer values: the flags byte says UNSIGNED
};

struct StopEvent {};

struct StartEncryptionEvent {  // MariaDB: what follows is ciphertext
  uint8_t scheme = 0;
  uint32_t key_version = 0;
};

// MySQL 8.0.20+ compressed transaction. Use TransactionPayloadReader
// (payload.h) to iterate the inner events.
struct TransactionPayloadEvent {
  uint8_t compression = 0;  // 0 = zstd, 255 = none
  uint64_t payload_size = 0;
  uint64_t uncompressed_size = 0;
  std::span<const uint8_t> compressed;  // views the decode() input
};

// An event we keep but do not interpret (legacy LOAD family, view change,
// transaction context, ignorable events, unknown codes). The relay decides
// whether an unknown event in a row-carrying transaction is fatal.
struct OpaqueEvent {
  bool known_type = false;
};

using EventBody =
    std::variant<OpaqueEvent, FormatDescriptionEvent, RotateEvent, QueryEvent, XidEvent, XaPrepareEvent, GtidEvent,
                 PreviousGtidsEvent, MariaGtidEvent, MariaGtidListEvent, MariaBinlogCheckpointEvent, AnnotateRowsEvent,
                 RowsQueryEvent, HeartbeatEvent, IncidentEvent, IntvarEvent, RandEvent, UserVarEvent, StopEvent,
                 StartEncryptionEvent, TransactionPayloadEvent, std::shared_ptr<const TableMap>, RowsEvent>;

struct Event {
  EventHeader header;
  uint64_t offset = 0;  // where the event starts in its file (inner payload events: the payload's offset)
  EventBody body;

  template <typename T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
};

}  // namespace galaxis::binlog
