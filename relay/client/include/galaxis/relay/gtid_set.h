// galaxis/relay/gtid_set.h — MySQL GTID sets: text form, adding GTIDs, and
// the binary encoding COM_BINLOG_DUMP_GTID expects.
//
// Text: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,<uuid>:tag_a:1-3" (MySQL
// 8.3+ tags apply to the intervals after them). Parsing is strict and throws
// Error(kUsage) naming the bad part. Encoding uses the classic format
// (u64 count; uuid, u64 interval count, [start, end) pairs) unless a tag is
// present, then the tagged format (format byte 1 at both ends of the count
// word, the tag as a varlen length + bytes after each uuid).
// Value type; not thread-safe for concurrent mutation.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace galaxis::relay {

class MysqlGtidSet {
 public:
  using Uuid = std::array<uint8_t, 16>;
  struct Interval {
    int64_t start;  // inclusive
    int64_t end;    // exclusive
  };

  static MysqlGtidSet parse(std::string_view text);

  // Adds one GTID (uuid, tag, gno), merging intervals.
  void add(const Uuid& uuid, const std::string& tag, int64_t gno);
  void add_interval(const Uuid& uuid, const std::string& tag, int64_t start, int64_t end);
  bool contains(const Uuid& uuid, const std::string& tag, int64_t gno) const;
  // Whether every GTID of `other` is in this set (other ⊆ this).
  bool contains(const MysqlGtidSet& other) const;
  bool empty() const { return sets_.empty(); }

  // Canonical text: lower-case uuids in order, "uuid:1-5:7", tags after uuid.
  std::string to_string() const;
  std::vector<uint8_t> encode() const;

  static Uuid parse_uuid(std::string_view text);  // throws Error(kUsage)
  static std::string uuid_to_string(const Uuid& uuid);

 private:
  std::map<std::pair<Uuid, std::string>, std::vector<Interval>> sets_;
};

}  // namespace galaxis::relay
