#include "galaxis/relay/drain_rule.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <map>
#include <optional>

#include "galaxis/common/error.h"
#include "galaxis/relay/gtid_set.h"
#include "galaxis/sql/parallel_checkpoint.h"

namespace galaxis::relay {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool to_u64(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// MariaDB "d-s-n,d-s-n": the highest sequence per domain; nullopt when a part does not parse.
std::optional<std::map<uint64_t, uint64_t>> maria_domains(std::string_view text) {
  std::map<uint64_t, uint64_t> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t d1 = item.find('-');
    const size_t d2 = d1 == std::string_view::npos ? d1 : item.find('-', d1 + 1);
    uint64_t domain = 0, server = 0, seq = 0;
    if (d2 == std::string_view::npos || !to_u64(item.substr(0, d1), domain) ||
        !to_u64(item.substr(d1 + 1, d2 - d1 - 1), server) || !to_u64(item.substr(d2 + 1), seq)) {
      return std::nullopt;
    }
    auto [it, inserted] = out.emplace(domain, seq);
    if (!inserted) it->second = std::max(it->second, seq);
  }
  return out;
}

}  // namespace

DrainRuleResult gtid_drained(std::string_view applied, std::string_view master) {
  DrainRuleResult r;
  applied = trim(applied);
  master = trim(master);
  if (master.empty()) {
    r.detail = "the master has no GTID state";
    return r;
  }
  r.applies = true;
  if (applied.empty()) {
    r.detail = fmt::format("the checkpoint has no GTID set (master {})", master);
    return r;
  }
  if (master.find(':') != std::string_view::npos) {
    if (applied.find(':') == std::string_view::npos) {
      r.detail = fmt::format("checkpoint GTID '{}' is not a MySQL GTID set (master {})", applied, master);
      return r;
    }
    try {
      const MysqlGtidSet a = MysqlGtidSet::parse(applied);
      const MysqlGtidSet m = MysqlGtidSet::parse(master);
      r.drained = a.contains(m);
      r.detail = fmt::format("applied GTID set {} {} the master's {}", a.to_string(),
                             r.drained ? "contains" : "does not contain", m.to_string());
    } catch (const Error& e) {
      r.detail = e.what();
    }
    return r;
  }
  const auto a = maria_domains(applied);
  const auto m = maria_domains(master);
  if (!a || !m) {
    r.detail = fmt::format("cannot read MariaDB GTID positions: applied '{}', master '{}'", applied, master);
    return r;
  }
  std::string behind;
  for (const auto& [domain, seq] : *m) {
    const auto it = a->find(domain);
    if (it == a->end()) {
      behind += fmt::format("{}domain {}: none applied, master at {}", behind.empty() ? "" : "; ", domain, seq);
    } else if (it->second < seq) {
      behind += fmt::format("{}domain {}: applied {} < master {}", behind.empty() ? "" : "; ", domain, it->second, seq);
    }
  }
  r.drained = behind.empty();
  r.detail = r.drained ? fmt::format("applied GTIDs {} reach the master's {} in every domain", applied, master)
                       : fmt::format("applied GTIDs {} behind the master's {}: {}", applied, master, behind);
  return r;
}

bool is_non_transaction_event(std::string_view type) {
  static constexpr std::array<std::string_view, 7> kTypes = {
      "Format_desc", "Previous_gtids", "Rotate", "Gtid_list", "Binlog_checkpoint", "Stop", "Start_encryption"};
  for (std::string_view t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

DrainRuleResult position_drained(const binlog::BinlogPosition& applied, const binlog::BinlogPosition& final,
                                 const std::vector<BinlogEventRow>& events) {
  DrainRuleResult r;
  r.applies = true;
  if (!sql::position_before(applied, final)) {
    r.drained = true;
    r.detail = fmt::format("applied {} at or past the final position {}", applied.to_string(), final.to_string());
    return r;
  }
  std::string file = applied.file;
  uint64_t pos = applied.offset;
  bool file_ended = false;  // the current file's Rotate/Stop was seen
  size_t skipped = 0;
  for (const BinlogEventRow& e : events) {
    if (e.file != file) {
      if (!file_ended) {
        r.detail = fmt::format("the listing of {} stops at {} before its Rotate", file, pos);
        return r;
      }
      if (!sql::position_before(binlog::BinlogPosition{file, pos, ""}, binlog::BinlogPosition{e.file, 0, ""})) {
        r.detail = fmt::format("binlog file {} listed after {}", e.file, file);
        return r;
      }
      file = e.file;
      pos = 4;  // after the file header
      file_ended = false;
    }
    if (file == final.file && e.pos >= final.offset) break;  // past the final position
    if (e.pos != pos || file_ended) {
      r.detail = fmt::format("the listing jumps from {}:{} to {}:{}", file, pos, e.file, e.pos);
      return r;
    }
    if (!is_non_transaction_event(e.type)) {
      r.detail = fmt::format("{} event at {}:{} between applied {} and final {}", e.type, e.file, e.pos,
                             applied.to_string(), final.to_string());
      return r;
    }
    pos = e.end_log_pos;
    file_ended = e.type == "Rotate" || e.type == "Stop";
    ++skipped;
  }
  if (file != final.file || pos < final.offset) {
    r.detail =
        fmt::format("the binlog listing ends at {}:{} before the final position {}", file, pos, final.to_string());
    return r;
  }
  r.drained = true;
  r.detail = fmt::format("only {} rotation/header events between applied {} and final {}", skipped, applied.to_string(),
                         final.to_string());
  return r;
}

}  // namespace galaxis::relay
