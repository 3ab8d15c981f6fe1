// FORMAT_DESCRIPTION (v4) and START_V3 (v1/v3) events, and the defaults for
// a stream that has neither.
#include <charconv>
#include <cstring>

#include "event_decoding.h"

namespace galaxis::binlog {

bool FormatDescriptionEvent::is_mariadb() const { return server_version.find("MariaDB") != std::string::npos; }

uint8_t FormatDescriptionEvent::post_header_length(uint8_t type_code) const {
  if (type_code == 0 || type_code > post_header_lengths.size()) return 0;
  return post_header_lengths[type_code - 1];
}

namespace detail {
namespace {

constexpr size_t kServerVersionLength = 50;
// binlog version (2) + server version (50) + create timestamp (4) + header length (1)
constexpr size_t kFdeFixedLength = 2 + kServerVersionLength + 4 + 1;
constexpr size_t kChecksumAlgLength = 1;

struct Version {
  unsigned major = 0, minor = 0, patch = 0;
};

// Leading "X.Y.Z" of a server version string; missing parts are 0.
Version parse_version(std::string_view text) {
  Version v;
  unsigned* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (unsigned* part : parts) {
    auto [next, ec] = std::from_chars(p, end, *part);
    if (ec != std::errc()) break;
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return v;
}

bool at_least(const Version& v, unsigned major, unsigned minor, unsigned patch) {
  if (v.major != major) return v.major > major;
  if (v.minor != minor) return v.minor > minor;
  return v.patch >= patch;
}

// Post-header lengths of binlog v3 (MySQL 4.x START_V3 logs).
std::vector<uint8_t> v3_post_header_lengths() {
  std::vector<uint8_t> lengths(19, 0);
  auto set = [&](EventType t, uint8_t n) { lengths[static_cast<uint8_t>(t) - 1] = n; };
  set(EventType::kStartV3, 56);
  set(EventType::kQuery, 11);
  set(EventType::kRotate, 8);
  set(EventType::kLoad, 18);
  set(EventType::kCreateFile, 4);
  set(EventType::kAppendBlock, 4);
  set(EventType::kExecLoad, 4);
  set(EventType::kDeleteFile, 4);
  set(EventType::kNewLoad, 18);
  return lengths;
}

}  // namespace

std::string fixed_string(ByteReader& in, size_t width, std::string_view what) {
  std::string_view raw = in.string_view(width, what);
  const size_t nul = raw.find('\0');
  return std::string(nul == std::string_view::npos ? raw : raw.substr(0, nul));
}

bool server_version_has_checksum_alg(std::string_view server_version) {
  const Version v = parse_version(server_version);
  if (server_version.find("MariaDB") != std::string_view::npos) return at_least(v, 5, 3, 0);
  return at_least(v, 5, 6, 1);
}

FormatDescriptionEvent default_v4_format() {
  FormatDescriptionEvent f;
  f.binlog_version = 4;
  f.header_length = kEventHeaderLength;
  f.checksum = ChecksumAlgorithm::kOff;
  // The lengths MySQL 5.x/8.x use for each type; a real FDE overrides them.
  // They start from v3's: of the v3 types only QUERY's differs (v4 added the
  // 2-byte status-variables length).
  f.post_header_lengths = v3_post_header_lengths();
  f.post_header_lengths.resize(42, 0);
  auto set = [&](EventType t, uint8_t n) { f.post_header_lengths[static_cast<uint8_t>(t) - 1] = n; };
  set(EventType::kQuery, 13);
  set(EventType::kFormatDescription, 84);
  set(EventType::kBeginLoadQuery, 4);
  set(EventType::kExecuteLoadQuery, 26);
  set(EventType::kTableMap, 8);
  set(EventType::kPreGaWriteRows, 8);
  set(EventType::kPreGaUpdateRows, 8);
  set(EventType::kPreGaDeleteRows, 8);
  set(EventType::kWriteRowsV1, 8);
  set(EventType::kUpdateRowsV1, 8);
  set(EventType::kDeleteRowsV1, 8);
  set(EventType::kIncident, 2);
  set(EventType::kWriteRowsV2, 10);
  set(EventType::kUpdateRowsV2, 10);
  set(EventType::kDeleteRowsV2, 10);
  set(EventType::kGtid, 42);
  set(EventType::kAnonymousGtid, 42);
  set(EventType::kTransactionContext, 18);
  set(EventType::kViewChange, 52);
  set(EventType::kPartialUpdateRows, 10);
  return f;
}

FormatDescriptionEvent decode_format_description(std::span<const uint8_t> whole_event, uint64_t offset) {
  if (whole_event.size() < kEventHeaderLength + kFdeFixedLength)
    throw_error(Error::Kind::kCorrupt, "FORMAT_DESCRIPTION of {} bytes at offset {} is shorter than its fixed part",
                whole_event.size(), offset);
  ByteReader in(whole_event.subspan(kEventHeaderLength), offset + kEventHeaderLength);
  FormatDescriptionEvent f;
  f.binlog_version = in.u16("binlog version");
  if (f.binlog_version != 4)
    throw_error(Error::Kind::kUnsupported, "FORMAT_DESCRIPTION with binlog version {} at offset {} (only 4 exists)",
                f.binlog_version, offset);
  f.server_version = fixed_string(in, kServerVersionLength, "server version");
  f.create_timestamp = in.u32("create timestamp");
  f.header_length = in.u8("header length");
  if (f.header_length < kEventHeaderLength)
    throw_error(Error::Kind::kCorrupt, "FORMAT_DESCRIPTION at offset {} declares a {}-byte event header (minimum 19)",
                offset, f.header_length);
  size_t lengths = in.remaining();
  if (server_version_has_checksum_alg(f.server_version)) {
    // 1 algorithm byte + 4 checksum bytes end the event, also when the
    // algorithm is OFF (then the 4 bytes are unused).
    if (lengths < kChecksumAlgLength + kChecksumLength)
      throw_error(Error::Kind::kCorrupt, "FORMAT_DESCRIPTION at offset {} too short for its checksum algorithm byte",
                  offset);
    lengths -= kChecksumAlgLength + kChecksumLength;
    const uint8_t alg = whole_event[whole_event.size() - kChecksumLength - kChecksumAlgLength];
    switch (alg) {
      case 0: f.checksum = ChecksumAlgorithm::kOff; break;
      case 1: f.checksum = ChecksumAlgorithm::kCrc32; break;
      case 255: f.checksum = ChecksumAlgorithm::kUndefined; break;
      default:
        throw_error(Error::Kind::kCorrupt,
                    "FORMAT_DESCRIPTION at offset {}: unknown checksum algorithm {} at offset {}", offset, alg,
                    offset + whole_event.size() - kChecksumLength - kChecksumAlgLength);
    }
  }
  auto table = in.bytes(lengths, "post-header lengths");
  f.post_header_lengths.assign(table.begin(), table.end());
  return f;
}

FormatDescriptionEvent decode_start_v3(ByteReader& body) {
  FormatDescriptionEvent f;
  f.binlog_version = body.u16("binlog version");
  if (f.binlog_version != 3 && f.binlog_version != 1) body.fail_value("START_V3 binlog version", f.binlog_version);
  f.server_version = fixed_string(body, kServerVersionLength, "server version");
  f.create_timestamp = body.u32("create timestamp");
  f.header_length = kEventHeaderLength;
  f.post_header_lengths = v3_post_header_lengths();
  f.checksum = ChecksumAlgorithm::kOff;
  return f;
}

}  // namespace detail
}  // namespace galaxis::binlog
