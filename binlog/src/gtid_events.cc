// MySQL GTID (33), ANONYMOUS_GTID (34), GTID_TAGGED (42), PREVIOUS_GTIDS
// (35); MariaDB GTID (162), GTID_LIST (163), BINLOG_CHECKPOINT (161).
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <climits>

#include "event_decoding.h"

namespace galaxis::binlog {
namespace {

std::string uuid_text(const std::array<uint8_t, 16>& sid) {
  std::string out;
  out.reserve(36);
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < sid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[sid[i] >> 4]);
    out.push_back(kHex[sid[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string GtidEvent::to_string() const {
  if (tag.empty()) return fmt::format("{}:{}", uuid_text(sid), gno);
  return fmt::format("{}:{}:{}", uuid_text(sid), tag, gno);
}

std::string PreviousGtidsEvent::to_string() const {
  // MySQL's text form: one entry per uuid, its untagged intervals first,
  // then ":tag:intervals" for each tag ("uuid:1-6:tag_one:1"). The event
  // lists the sets sorted by uuid, then tag, so equal uuids are adjacent.
  std::string out;
  const GtidSidSet* previous = nullptr;
  for (const GtidSidSet& set : sets) {
    const bool same_uuid = previous && previous->sid == set.sid;
    previous = &set;
    if (!same_uuid) {
      if (!out.empty()) out += ',';
      out += uuid_text(set.sid);
    }
    if (!set.tag.empty()) out += ':' + set.tag;
    for (const GtidInterval& interval : set.intervals) {
      if (interval.end == interval.start + 1)
        out += fmt::format(":{}", interval.start);
      else
        out += fmt::format(":{}-{}", interval.start, interval.end - 1);
    }
  }
  return out;
}

namespace detail {
namespace {

constexpr uint8_t kLogicalTimestampTypecode = 2;
constexpr uint64_t kCommitTimestampOriginalBit = uint64_t{1} << 55;
constexpr uint32_t kServerVersionOriginalBit = uint32_t{1} << 31;
constexpr int64_t kMaxGno = INT64_MAX;
constexpr uint64_t kMaxTagLength = 32;  // MySQL: tags are at most 32 characters

// MySQL serialization library (libs/mysql/serialization) variable-length
// unsigned integer: the count of trailing one bits in the first byte, plus
// one, is the byte count; the little-endian value is shifted right by that
// count. 0xff: 8 more bytes hold the plain value.
uint64_t varlen_uint(ByteReader& in, std::string_view what) {
  const uint8_t first = in.u8(what);
  if (first == 0xff) return in.u64(what);
  const unsigned count = static_cast<unsigned>(std::countr_one(first)) + 1;
  uint64_t value = first;
  if (count > 1) value |= in.uint_le(count - 1, what) << 8;
  return value >> count;
}

int64_t varlen_int(ByteReader& in, std::string_view what) {
  const uint64_t zigzag = varlen_uint(in, what);
  const uint64_t magnitude = zigzag >> 1;
  return (zigzag & 1) ? -static_cast<int64_t>(magnitude) - 1 : static_cast<int64_t>(magnitude);
}

}  // namespace

GtidEvent decode_gtid(ByteReader& body, uint8_t type_code) {
  GtidEvent g;
  g.anonymous = type_code == static_cast<uint8_t>(EventType::kAnonymousGtid);
  g.flags = body.u8("flags");
  auto sid = body.bytes(16, "source uuid");
  std::copy(sid.begin(), sid.end(), g.sid.begin());
  g.gno = static_cast<int64_t>(body.u64("gno"));
  // MySQL 5.6 stops here; 5.7.4 and older wrote another typecode (ignored).
  if (body.empty() || body.rest()[0] != kLogicalTimestampTypecode) return g;
  body.skip(1, "logical timestamp typecode");
  g.last_committed = static_cast<int64_t>(body.u64("last committed"));
  g.sequence_number = static_cast<int64_t>(body.u64("sequence number"));
  if (body.remaining() >= 7) {
    uint64_t immediate = body.uint_le(7, "immediate commit timestamp");
    if (immediate & kCommitTimestampOriginalBit) {
      immediate &= ~kCommitTimestampOriginalBit;
      g.original_commit_timestamp = body.uint_le(7, "original commit timestamp");
    } else {
      g.original_commit_timestamp = immediate;
    }
    g.immediate_commit_timestamp = immediate;
  }
  if (!body.empty()) g.transaction_length = body.packed_int("transaction length");
  if (body.remaining() >= 4) {
    uint32_t immediate = body.u32("immediate server version");
    if (immediate & kServerVersionOriginalBit) {
      immediate &= ~kServerVersionOriginalBit;
      g.original_server_version = body.u32("original server version");
    } else {
      g.original_server_version = immediate;
    }
    g.immediate_server_version = immediate;
  }
  // 8.0.33+ may append a commit group ticket (8 bytes): not needed.
  return g;
}

// MySQL 8.3+ GTID_TAGGED: a serialization-library message: format version
// (1 byte), message size, last non-ignorable field id, then (field id,
// value) pairs of varlen integers / strings / 16 varlen uuid bytes.
GtidEvent decode_gtid_tagged(ByteReader& body) {
  enum Field : uint64_t {
    kFlags = 0,
    kSid = 1,
    kGno = 2,
    kTag = 3,
    kLastCommitted = 4,
    kSequenceNumber = 5,
    kImmediateCommitTs = 6,
    kOriginalCommitTs = 7,
    kTransactionLength = 8,
    kImmediateServerVersion = 9,
    kOriginalServerVersion = 10,
    kCommitGroupTicket = 11,
  };
  const size_t start = body.position();
  body.skip(1, "serialization format version");
  const uint64_t message_size = varlen_uint(body, "message size");
  const uint64_t last_non_ignorable = varlen_uint(body, "last non-ignorable field id");
  const size_t consumed = body.position() - start;
  if (message_size < consumed) body.fail_value("message size", message_size);
  const uint64_t fields_length = message_size - consumed;
  const uint64_t fields_offset = body.absolute_offset();
  ByteReader fields(body.bytes(static_cast<size_t>(fields_length), "GTID message fields"), fields_offset);

  GtidEvent g;
  bool have_original_ts = false, have_original_version = false;
  while (!fields.empty()) {
    const uint64_t id = varlen_uint(fields, "field id");
    switch (id) {
      case kFlags: g.flags = static_cast<uint8_t>(varlen_uint(fields, "flags")); break;
      case kSid:
        for (auto& byte : g.sid) {
          const uint64_t v = varlen_uint(fields, "source uuid");
          if (v > 0xff) fields.fail_value("source uuid byte", v);
          byte = static_cast<uint8_t>(v);
        }
        break;
      case kGno: g.gno = varlen_int(fields, "gno"); break;
      case kTag: {
        const uint64_t length = varlen_uint(fields, "tag length");
        if (length > kMaxTagLength) fields.fail_value("tag length", length);
        g.tag = fields.string(static_cast<size_t>(length), "tag");
        break;
      }
      case kLastCommitted: g.last_committed = varlen_int(fields, "last committed"); break;
      case kSequenceNumber: g.sequence_number = varlen_int(fields, "sequence number"); break;
      case kImmediateCommitTs: g.immediate_commit_timestamp = varlen_uint(fields, "immediate commit timestamp"); break;
      case kOriginalCommitTs:
        g.original_commit_timestamp = varlen_uint(fields, "original commit timestamp");
        have_original_ts = true;
        break;
      case kTransactionLength: g.transaction_length = varlen_uint(fields, "transaction length"); break;
      case kImmediateServerVersion:
        g.immediate_server_version = static_cast<uint32_t>(varlen_uint(fields, "immediate server version"));
        break;
      case kOriginalServerVersion:
        g.original_server_version = static_cast<uint32_t>(varlen_uint(fields, "original server version"));
        have_original_version = true;
        break;
      case kCommitGroupTicket: varlen_uint(fields, "commit group ticket"); break;
      default:
        if (id <= last_non_ignorable)
          throw_error(Error::Kind::kUnsupported, "GTID_TAGGED: unknown non-ignorable field {} before offset {}", id,
                      fields.absolute_offset());
        fields.skip(fields.remaining(), "ignorable fields");  // cannot know their sizes: ignore the rest
        break;
    }
  }
  if (!have_original_ts) g.original_commit_timestamp = g.immediate_commit_timestamp;
  if (!have_original_version) g.original_server_version = g.immediate_server_version;
  if (g.gno < 0 || g.gno > kMaxGno) throw_error(Error::Kind::kCorrupt, "GTID_TAGGED: negative gno {}", g.gno);
  return g;
}

// n_sids (8 bytes; the top byte 1 marks the tagged format, where n_sids is
// in bits 8..55), then per sid: uuid 16, [tag: varlen length + bytes],
// n_intervals 8, intervals (start 8, end 8, end exclusive).
PreviousGtidsEvent decode_previous_gtids(ByteReader& body) {
  constexpr size_t kIntervalSize = 16;
  constexpr size_t kMinSidSize = 16 + 8;
  const uint64_t header = body.u64("number of sids");
  const bool tagged = (header >> 56) == 1;
  const uint64_t n_sids = tagged ? (header >> 8) & ((uint64_t{1} << 48) - 1) : header & ((uint64_t{1} << 56) - 1);
  if (n_sids > body.remaining() / kMinSidSize) body.fail("sids", n_sids * kMinSidSize);
  PreviousGtidsEvent p;
  p.sets.reserve(static_cast<size_t>(n_sids));
  for (uint64_t i = 0; i < n_sids; ++i) {
    GtidSidSet set;
    auto sid = body.bytes(16, "source uuid");
    std::copy(sid.begin(), sid.end(), set.sid.begin());
    if (tagged) {
      const uint64_t length = varlen_uint(body, "tag length");
      if (length > kMaxTagLength) body.fail_value("tag length", length);
      set.tag = body.string(static_cast<size_t>(length), "tag");
    }
    const uint64_t n_intervals = body.u64("number of intervals");
    if (n_intervals > body.remaining() / kIntervalSize) body.fail("intervals", n_intervals * kIntervalSize);
    set.intervals.reserve(static_cast<size_t>(n_intervals));
    for (uint64_t k = 0; k < n_intervals; ++k) {
      GtidInterval interval;
      interval.start = static_cast<int64_t>(body.u64("interval start"));
      interval.end = static_cast<int64_t>(body.u64("interval end"));
      set.intervals.push_back(interval);
    }
    p.sets.push_back(std::move(set));
  }
  return p;
}

// seq_no 8, domain 4, flags 1, then by flags: commit id 8 (GROUP_COMMIT_ID),
// XA xid (PREPARED_XA / COMPLETED_XA: format id 4, gtrid len 1, bqual len 1,
// data); then optionally flags_extra 1 with its own extras.
MariaGtidEvent decode_maria_gtid(ByteReader& body) {
  constexpr uint8_t kFlGroupCommitId = 2, kFlPreparedXa = 64, kFlCompletedXa = 128;
  constexpr uint8_t kFlExtraMultiEngine = 1, kFlExtraCommitAlter = 4, kFlExtraRollbackAlter = 8, kFlExtraThreadId = 16;
  constexpr size_t kMaxXidPart = 64;
  MariaGtidEvent g;
  g.sequence = body.u64("sequence number");
  g.domain_id = body.u32("domain id");
  g.flags = body.u8("flags");
  if (g.flags & kFlGroupCommitId) {
    g.commit_id = body.u64("commit id");
  } else if (g.flags & (kFlPreparedXa | kFlCompletedXa)) {
    body.skip(4, "XA format id");
    const uint8_t gtrid_length = body.u8("XA gtrid length");
    const uint8_t bqual_length = body.u8("XA bqual length");
    if (gtrid_length > kMaxXidPart) body.fail_value("XA gtrid length", gtrid_length);
    if (bqual_length > kMaxXidPart) body.fail_value("XA bqual length", bqual_length);
    g.xa_xid = body.string(size_t{gtrid_length} + bqual_length, "XA xid");
  } else {
    // Six unused zero bytes (when present).
    body.skip(std::min<size_t>(6, body.remaining()), "padding");
  }
  if (!body.empty()) {
    g.flags_extra = body.u8("extra flags");
    if (g.flags_extra & kFlExtraMultiEngine) body.skip(1, "extra engines");
    if (g.flags_extra & (kFlExtraCommitAlter | kFlExtraRollbackAlter)) body.skip(8, "start alter sequence number");
    if (g.flags_extra & kFlExtraThreadId) body.skip(4, "thread id");
  }
  return g;
}

MariaGtidListEvent decode_maria_gtid_list(ByteReader& body) {
  constexpr size_t kEntrySize = 16;
  const uint32_t word = body.u32("count and flags");
  MariaGtidListEvent l;
  const uint32_t count = word & 0x0fffffff;
  l.flags = word >> 28;
  if (count > body.remaining() / kEntrySize) body.fail("GTID list", size_t{count} * kEntrySize);
  l.gtids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    MariaGtid gtid;
    gtid.domain_id = body.u32("domain id");
    gtid.server_id = body.u32("server id");
    gtid.sequence = body.u64("sequence number");
    l.gtids.push_back(gtid);
  }
  return l;
}

MariaBinlogCheckpointEvent decode_maria_binlog_checkpoint(ByteReader& body) {
  MariaBinlogCheckpointEvent c;
  const uint32_t length = body.u32("file name length");
  c.file = body.string(length, "file name");
  return c;
}

}  // namespace detail
}  // namespace galaxis::binlog
