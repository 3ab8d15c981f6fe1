// tests/unit/binlog/binlog_test_util.h — helpers for the event-level unit
// tests: build events byte by byte (with a correct CRC32 trailer), find the
// shared corpus, and walk a binlog file through the Decoder.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "galaxis/binlog/checksum.h"
#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/events.h"
#include "galaxis/binlog/file_reader.h"
#include "galaxis/binlog/payload.h"
#include "galaxis/common/error.h"

namespace galaxis::binlog::testing {

using Bytes = std::vector<uint8_t>;

inline void put_le(Bytes& out, uint64_t value, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
inline void put_str(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

// A whole event: 19-byte header + body (+ CRC32 when `checksum`).
// next_position is offset + size unless given.
inline Bytes make_event(uint8_t type, const Bytes& body, bool checksum = true, uint64_t offset = 4, uint16_t flags = 0,
                        uint32_t server_id = 1, uint32_t timestamp = 1700000000) {
  Bytes out;
  const uint32_t size = static_cast<uint32_t>(kEventHeaderLength + body.size() + (checksum ? 4 : 0));
  put_le(out, timestamp, 4);
  out.push_back(type);
  put_le(out, server_id, 4);
  put_le(out, size, 4);
  put_le(out, offset + size, 4);
  put_le(out, flags, 2);
  out.insert(out.end(), body.begin(), body.end());
  if (checksum) put_le(out, crc32(out), 4);
  return out;
}

// A v4 FDE body as a server of `version` writes it, listing `n_types`
// post-header lengths (QUERY 13, ROTATE 8, TABLE_MAP 8, rows v1 8, v2 10,
// GTID 42 ...), plus the checksum algorithm byte when the version has it.
inline Bytes make_fde_body(std::string_view version, uint8_t checksum_alg, size_t n_types = 41) {
  Bytes body;
  put_le(body, 4, 2);
  std::string v(version);
  v.resize(50, '\0');
  put_str(body, v);
  put_le(body, 0, 4);
  body.push_back(19);
  Bytes lengths(n_types, 0);
  auto set = [&](size_t type, uint8_t n) {
    if (type - 1 < lengths.size()) lengths[type - 1] = n;
  };
  set(1, 56), set(2, 13), set(4, 8), set(5, 0), set(15, 98), set(19, 8), set(23, 8), set(24, 8), set(25, 8);
  set(26, 2), set(30, 10), set(31, 10), set(32, 10), set(33, 42), set(34, 42), set(39, 10);
  set(165, 13), set(166, 8), set(167, 8), set(168, 8), set(169, 10), set(170, 10), set(171, 10);
  body.insert(body.end(), lengths.begin(), lengths.end());
  body.push_back(checksum_alg);
  return body;  // make_event(15, body, true) appends the CRC
}

// An FDE event of MySQL 8.0 with CRC32 checksums.
inline Bytes make_fde(bool crc = true, std::string_view version = "8.0.40") {
  return make_event(15, make_fde_body(version, crc ? 1 : 0), /*checksum=*/true);
}

// Decodes one event and returns a copy of its body of type T (a body
// pointer from a temporary Event would dangle).
template <typename T>
T decode_as(Decoder& d, const Bytes& event, uint64_t offset) {
  Event e = d.decode(event, offset);
  const T* body = e.as<T>();
  if (!body) throw std::runtime_error("event decoded to another body type");
  return *body;
}

inline std::filesystem::path corpus_dir() {
  if (const char* env = std::getenv("GALAXIS_CORPUS_DIR"); env && *env) return env;
  return std::filesystem::path(GALAXIS_SOURCE_DIR) / "tests" / "data" / "binlog";
}

// Decompresses a .gz corpus file into a temporary file and returns its path.
inline std::filesystem::path gunzip_to_temp(const std::filesystem::path& gz) {
  const auto out_path = std::filesystem::temp_directory_path() /
                        ("galaxis-corpus-" + std::to_string(::getpid()) + "-" + gz.stem().string());
  gzFile in = gzopen(gz.c_str(), "rb");
  if (!in) throw std::runtime_error("gzopen " + gz.string());
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  char buf[65536];
  int n;
  while ((n = gzread(in, buf, sizeof buf)) > 0) std::fwrite(buf, 1, static_cast<size_t>(n), out);
  gzclose(in);
  std::fclose(out);
  return out_path;
}

struct WalkResult {
  std::map<std::string, int> counts;  // by MANIFEST-style type name, inner payload events as "inner:<name>"
  std::vector<Event> events;          // only when keep_events
  std::vector<std::string> position_errors;
  uint64_t outer_events = 0;
  uint64_t inner_events = 0;
};

// MANIFEST names ("WRITE_ROWS_v2", "MARIA_GTID", ...), to compare with its tables.
inline std::string manifest_name(uint8_t code) {
  static const std::map<uint8_t, std::string> names = {{1, "START_V3"},
                                                       {2, "QUERY"},
                                                       {3, "STOP"},
                                                       {4, "ROTATE"},
                                                       {5, "INTVAR"},
                                                       {13, "RAND"},
                                                       {14, "USER_VAR"},
                                                       {15, "FDE"},
                                                       {16, "XID"},
                                                       {17, "BEGIN_LOAD_QUERY"},
                                                       {18, "EXECUTE_LOAD_QUERY"},
                                                       {19, "TABLE_MAP"},
                                                       {20, "PRE_GA_WRITE_ROWS"},
                                                       {21, "PRE_GA_UPDATE_ROWS"},
                                                       {22, "PRE_GA_DELETE_ROWS"},
                                                       {23, "WRITE_ROWS_v1"},
                                                       {24, "UPDATE_ROWS_v1"},
                                                       {25, "DELETE_ROWS_v1"},
                                                       {26, "INCIDENT"},
                                                       {27, "HEARTBEAT"},
                                                       {29, "ROWS_QUERY"},
                                                       {30, "WRITE_ROWS_v2"},
                                                       {31, "UPDATE_ROWS_v2"},
                                                       {32, "DELETE_ROWS_v2"},
                                                       {33, "GTID"},
                                                       {34, "ANONYMOUS_GTID"},
                                                       {35, "PREVIOUS_GTIDS"},
                                                       {38, "XA_PREPARE"},
                                                       {39, "PARTIAL_UPDATE_ROWS"},
                                                       {40, "TRANSACTION_PAYLOAD"},
                                                       {42, "GTID_TAGGED"},
                                                       {160, "MARIA_ANNOTATE_ROWS"},
                                                       {161, "MARIA_BINLOG_CHECKPOINT"},
                                                       {162, "MARIA_GTID"},
                                                       {163, "MARIA_GTID_LIST"},
                                                       {164, "MARIA_START_ENCRYPTION"}};
  auto it = names.find(code);
  return it == names.end() ? "type" + std::to_string(code) : it->second;
}

// Reads `path` start to end through BinlogFileReader + Decoder (rows
// decoded, checksums verified), expanding TRANSACTION_PAYLOADs. Throws what
// the reader or decoder throws.
inline WalkResult walk_file(const std::filesystem::path& path, bool keep_events = false, bool decode_rows = true) {
  WalkResult result;
  BinlogFileReader reader(path.string());
  Decoder decoder(DecoderOptions{.verify_checksums = true, .decode_rows = decode_rows, .source_name = path.string()});
  while (auto raw = reader.next()) {
    Event event = decoder.decode(raw->bytes, raw->offset);
    ++result.outer_events;
    ++result.counts[manifest_name(event.header.type_code)];
    if (event.header.next_position != 0 && raw->offset + event.header.event_size != event.header.next_position)
      result.position_errors.push_back("offset " + std::to_string(raw->offset) + " + size " +
                                       std::to_string(event.header.event_size) + " != next_position " +
                                       std::to_string(event.header.next_position));
    if (const auto* payload = event.as<TransactionPayloadEvent>()) {
      if (keep_events) {
        // The copy must not view the reader's buffer.
        Event copy = event;
        std::get<TransactionPayloadEvent>(copy.body).compressed = {};
        result.events.push_back(std::move(copy));
      }
      TransactionPayloadReader inner(*payload, raw->offset);
      while (auto bytes = inner.next()) {
        Event inner_event = decoder.decode_inner(*bytes, raw->offset);
        ++result.inner_events;
        ++result.counts["inner:" + manifest_name(inner_event.header.type_code)];
        if (keep_events) result.events.push_back(std::move(inner_event));
      }
      continue;
    }
    if (keep_events) result.events.push_back(std::move(event));
  }
  return result;
}

}  // namespace galaxis::binlog::testing
