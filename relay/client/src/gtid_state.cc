#include "galaxis/relay/gtid_state.h"

#include <fmt/format.h>

#include <charconv>

#include "galaxis/common/error.h"

namespace galaxis::relay {

namespace {

template <typename T>
T parse_number(std::string_view text, std::string_view whole) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw_error(Error::Kind::kUsage, "invalid MariaDB GTID '{}' (expected domain-server-sequence)", whole);
  }
  return value;
}

// "domain-server-sequence" appended without a format string.
void append_maria_gtid(std::string* out, uint32_t domain, uint32_t server, uint64_t sequence) {
  char buffer[3 * 20 + 2];
  char* end = buffer + sizeof buffer;
  char* p = std::to_chars(buffer, end, domain).ptr;
  *p++ = '-';
  p = std::to_chars(p, end, server).ptr;
  *p++ = '-';
  p = std::to_chars(p, end, sequence).ptr;
  out->append(buffer, p);
}

}  // namespace

void GtidState::reset(const std::string& text) {
  text_.reset();
  mariadb_.clear();
  mysql_ = MysqlGtidSet();
  if (text.empty()) return;
  if (text.find(':') != std::string::npos) {
    mysql_ = MysqlGtidSet::parse(text);
    return;
  }
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const size_t d1 = item.find('-');
    const size_t d2 = d1 == std::string_view::npos ? d1 : item.find('-', d1 + 1);
    if (d2 == std::string_view::npos) {
      throw_error(Error::Kind::kUsage, "invalid MariaDB GTID '{}' (expected domain-server-sequence)", item);
    }
    binlog::MariaGtid g;
    g.domain_id = parse_number<uint32_t>(item.substr(0, d1), item);
    g.server_id = parse_number<uint32_t>(item.substr(d1 + 1, d2 - d1 - 1), item);
    g.sequence = parse_number<uint64_t>(item.substr(d2 + 1), item);
    mariadb_[g.domain_id] = g;
  }
}

void GtidState::on_previous_gtids(const binlog::PreviousGtidsEvent& event) {
  text_.reset();
  for (const auto& set : event.sets) {
    for (const auto& iv : set.intervals) mysql_.add_interval(set.sid, set.tag, iv.start, iv.end);
  }
}

void GtidState::on_gtid_list(const binlog::MariaGtidListEvent& event) {
  text_.reset();
  for (const auto& g : event.gtids) {
    auto it = mariadb_.find(g.domain_id);
    if (it == mariadb_.end() || it->second.sequence < g.sequence) mariadb_[g.domain_id] = g;
  }
}

std::optional<std::string> GtidState::gtid_of(const binlog::Event& event) {
  if (const auto* g = event.as<binlog::MariaGtidEvent>()) {
    std::string out;
    append_maria_gtid(&out, g->domain_id, event.header.server_id, g->sequence);
    return out;
  }
  if (const auto* g = event.as<binlog::GtidEvent>()) {
    if (g->anonymous) return std::nullopt;
    return g->to_string();
  }
  return std::nullopt;
}

void GtidState::commit(const binlog::Event& event) {
  text_.reset();
  if (const auto* g = event.as<binlog::MariaGtidEvent>()) {
    mariadb_[g->domain_id] = binlog::MariaGtid{g->domain_id, event.header.server_id, g->sequence};
  } else if (const auto* m = event.as<binlog::GtidEvent>()) {
    if (!m->anonymous) mysql_.add(m->sid, m->tag, m->gno);
  }
}

std::string GtidState::to_string() const {
  if (text_) return *text_;
  std::string out;
  if (!mariadb_.empty()) {
    for (const auto& [domain, g] : mariadb_) {
      if (!out.empty()) out += ",";
      append_maria_gtid(&out, g.domain_id, g.server_id, g.sequence);
    }
  } else {
    out = mysql_.to_string();
  }
  text_ = out;
  return out;
}

}  // namespace galaxis::relay
