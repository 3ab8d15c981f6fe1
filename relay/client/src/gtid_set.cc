#include "galaxis/relay/gtid_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "galaxis/common/error.h"
#include "galaxis/relay/wire.h"

namespace galaxis::relay {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int64_t parse_gno(std::string_view text, std::string_view whole) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) {
    throw_error(Error::Kind::kUsage, "invalid GTID set '{}': '{}' is not a transaction number", whole, text);
  }
  return value;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 32) return false;
  if (!(std::isalpha(static_cast<unsigned char>(tag[0])) || tag[0] == '_')) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

MysqlGtidSet::Uuid MysqlGtidSet::parse_uuid(std::string_view text) {
  Uuid uuid{};
  size_t n = 0;
  int half = -1;
  for (char c : text) {
    if (c == '-') continue;
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      throw_error(Error::Kind::kUsage, "invalid uuid '{}'", text);
    }
    if (n >= 16) throw_error(Error::Kind::kUsage, "invalid uuid '{}' (too long)", text);
    if (half < 0) {
      half = v;
    } else {
      uuid[n++] = static_cast<uint8_t>(half << 4 | v);
      half = -1;
    }
  }
  if (n != 16 || half >= 0 || text.size() != 36) throw_error(Error::Kind::kUsage, "invalid uuid '{}'", text);
  return uuid;
}

std::string MysqlGtidSet::uuid_to_string(const Uuid& u) {
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", u[0],
      u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

MysqlGtidSet MysqlGtidSet::parse(std::string_view text) {
  MysqlGtidSet set;
  text = trim(text);
  if (text.empty()) return set;
  for (std::string_view part : split(text, ',')) {
    part = trim(part);
    if (part.empty()) continue;
    auto fields = split(part, ':');
    const Uuid uuid = parse_uuid(trim(fields[0]));
    std::string tag;
    bool any_interval = false;
    for (size_t i = 1; i < fields.size(); ++i) {
      std::string_view f = trim(fields[i]);
      if (f.empty()) throw_error(Error::Kind::kUsage, "invalid GTID set '{}': empty field", text);
      if (!std::isdigit(static_cast<unsigned char>(f[0]))) {
        if (!valid_tag(f)) throw_error(Error::Kind::kUsage, "invalid GTID set '{}': bad tag '{}'", text, f);
        tag.assign(f);
        std::transform(tag.begin(), tag.end(), tag.begin(), [](unsigned char c) { return std::tolower(c); });
        continue;
      }
      const size_t dash = f.find('-');
      const int64_t start = parse_gno(f.substr(0, dash), text);
      const int64_t last = dash == std::string_view::npos ? start : parse_gno(f.substr(dash + 1), text);
      if (last < start) throw_error(Error::Kind::kUsage, "invalid GTID set '{}': interval {} is reversed", text, f);
      set.add_interval(uuid, tag, start, last + 1);
      any_interval = true;
    }
    if (!any_interval) throw_error(Error::Kind::kUsage, "invalid GTID set '{}': '{}' has no interval", text, part);
  }
  return set;
}

void MysqlGtidSet::add_interval(const Uuid& uuid, const std::string& tag, int64_t start, int64_t end) {
  auto& intervals = sets_[{uuid, tag}];
  intervals.push_back({start, end});
  std::sort(intervals.begin(), intervals.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> merged;
  for (const Interval& iv : intervals) {
    if (!merged.empty() && iv.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, iv.end);
    } else {
      merged.push_back(iv);
    }
  }
  intervals = std::move(merged);
}

void MysqlGtidSet::add(const Uuid& uuid, const std::string& tag, int64_t gno) {
  // Fast path: extends the last interval (the common, in-order case).
  auto it = sets_.find({uuid, tag});
  if (it != sets_.end() && !it->second.empty() && it->second.back().end == gno) {
    it->second.back().end = gno + 1;
    return;
  }
  add_interval(uuid, tag, gno, gno + 1);
}

bool MysqlGtidSet::contains(const Uuid& uuid, const std::string& tag, int64_t gno) const {
  auto it = sets_.find({uuid, tag});
  if (it == sets_.end()) return false;
  for (const Interval& iv : it->second) {
    if (gno >= iv.start && gno < iv.end) return true;
  }
  return false;
}

bool MysqlGtidSet::contains(const MysqlGtidSet& other) const {
  for (const auto& [key, theirs] : other.sets_) {
    const auto it = sets_.find(key);
    if (it == sets_.end()) return false;
    // Both interval lists are sorted and merged: each of theirs must lie inside one of ours.
    for (const Interval& iv : theirs) {
      const bool inside = std::any_of(it->second.begin(), it->second.end(), [&](const Interval& mine) {
        return mine.start <= iv.start && iv.end <= mine.end;
      });
      if (!inside) return false;
    }
  }
  return true;
}

std::string MysqlGtidSet::to_string() const {
  std::string out;
  const Uuid* previous_uuid = nullptr;
  for (const auto& [key, intervals] : sets_) {
    const auto& [uuid, tag] = key;
    if (previous_uuid && *previous_uuid == uuid) {
      out += ":" + tag;  // same uuid, next tag: continues the same element
    } else {
      if (!out.empty()) out += ",";
      out += uuid_to_string(uuid);
      if (!tag.empty()) out += ":" + tag;
    }
    previous_uuid = &uuid;
    for (const Interval& iv : intervals) {
      out += iv.end - 1 == iv.start ? fmt::format(":{}", iv.start) : fmt::format(":{}-{}", iv.start, iv.end - 1);
    }
  }
  return out;
}

std::vector<uint8_t> MysqlGtidSet::encode() const {
  const bool tagged = std::any_of(sets_.begin(), sets_.end(), [](const auto& kv) { return !kv.first.second.empty(); });
  WireWriter w;
  if (tagged) {
    // Format byte, 6-byte count, format byte again (mysql-server Gtid_set::encode).
    w.u8(1);
    w.uint_le(sets_.size(), 6);
    w.u8(1);
  } else {
    w.u64(sets_.size());
  }
  for (const auto& [key, intervals] : sets_) {
    w.bytes(std::span<const uint8_t>(key.first));
    if (tagged) {
      // varlen length: one byte (length << 1) for lengths below 128; tags are <= 32.
      w.u8(static_cast<uint8_t>(key.second.size() << 1));
      w.bytes(key.second);
    }
    w.u64(intervals.size());
    for (const Interval& iv : intervals) {
      w.u64(static_cast<uint64_t>(iv.start));
      w.u64(static_cast<uint64_t>(iv.end));
    }
  }
  return w.take();
}

}  // namespace galaxis::relay
