#include "galaxis/relay/errant.h"

#include <fmt/format.h>

#include <charconv>

#include "galaxis/binlog/events.h"
#include "galaxis/common/error.h"
#include "galaxis/relay/gtid_set.h"
#include "galaxis/relay/replication_stream.h"
#include "galaxis/relay/server_binlog_source.h"
#include "galaxis/sql/connection.h"

namespace galaxis::relay {

uint64_t ErrantTransaction::total_rows() const {
  uint64_t n = 0;
  for (const auto& [table, count] : rows) n += count;
  return n;
}

namespace {

bool to_u64(std::string_view text, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// MariaDB "domain-server-seq".
bool parse_maria(std::string_view gtid, uint64_t& domain, uint64_t& seq) {
  const size_t a = gtid.find('-');
  const size_t b = gtid.rfind('-');
  if (a == std::string_view::npos || a == b) return false;
  uint64_t server = 0;
  return to_u64(gtid.substr(0, a), domain) && to_u64(gtid.substr(a + 1, b - a - 1), server) &&
         to_u64(gtid.substr(b + 1), seq);
}

bool is_transaction_wrapper(const std::string& q) {
  return q == "BEGIN" || q == "COMMIT" || q == "XA START" || q.rfind("XA END", 0) == 0;
}

class Collector : public TransactionConsumer {
 public:
  Collector(ErrantReport& report, const ErrantOptions& options)
      : report_(report), options_(options), filter_(options.filter) {}
  void on_transaction_begin(const TransactionInfo&) override { current_ = ErrantTransaction{}; }
  void on_event(const TransactionInfo&, const StreamEvent& e) override {
    if (const auto* rows = e.event.as<binlog::RowsEvent>()) {
      if (!rows->table) {
        current_.rows["?"] += rows->rows.size();
      } else if (rows->table->database != options_.checkpoint_schema &&
                 filter_.table_included(rows->table->database, rows->table->table)) {
        current_.rows[rows->table->database + "." + rows->table->table] += rows->rows.size();
      }
    } else if (const auto* q = e.event.as<binlog::QueryEvent>()) {
      if (is_transaction_wrapper(q->query)) return;
      const std::string quoted = "`" + options_.checkpoint_schema + "`";
      const bool on_checkpoint_schema =
          q->database == options_.checkpoint_schema || q->query.find(quoted) != std::string::npos;
      const bool excluded_db = !q->database.empty() && !filter_.database_included(q->database);
      if (!on_checkpoint_schema && !excluded_db) current_.statements.push_back(sql::truncate_statement(q->query, 120));
    }
  }
  void on_transaction_commit(const TransactionInfo& t) override {
    if (current_.rows.empty() && current_.statements.empty()) {
      ++report_.ignored;
      return;
    }
    if (gtid_covered(report_.promoted_gtid, t.gtid)) {
      ++report_.skipped_known;
      return;
    }
    current_.gtid = t.gtid;
    current_.begin = t.begin;
    current_.end = t.end;
    report_.transactions.push_back(std::move(current_));
  }
  void on_transaction_abort(const TransactionInfo&, const Error&) override { current_ = ErrantTransaction{}; }

 private:
  ErrantReport& report_;
  const ErrantOptions& options_;
  sql::Filter filter_;
  ErrantTransaction current_;
};

}  // namespace

bool gtid_covered(const std::string& promoted_gtid, const std::string& gtid) {
  if (promoted_gtid.empty() || gtid.empty()) return false;
  uint64_t domain = 0;
  uint64_t seq = 0;
  if (gtid.find(':') == std::string::npos && parse_maria(gtid, domain, seq)) {
    // MariaDB positions: per domain the last seq applied; covered when at or below it.
    size_t start = 0;
    while (start <= promoted_gtid.size()) {
      size_t comma = promoted_gtid.find(',', start);
      if (comma == std::string::npos) comma = promoted_gtid.size();
      std::string_view part = std::string_view(promoted_gtid).substr(start, comma - start);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      uint64_t d = 0;
      uint64_t s = 0;
      if (parse_maria(part, d, s) && d == domain && seq <= s) return true;
      start = comma + 1;
    }
    return false;
  }
  // MySQL "uuid[:tag]:gno".
  const size_t last = gtid.rfind(':');
  const size_t first = gtid.find(':');
  uint64_t gno = 0;
  if (last == std::string::npos || !to_u64(std::string_view(gtid).substr(last + 1), gno)) return false;
  const std::string tag = first == last ? "" : gtid.substr(first + 1, last - first - 1);
  const MysqlGtidSet set = MysqlGtidSet::parse(promoted_gtid);
  return set.contains(MysqlGtidSet::parse_uuid(gtid.substr(0, first)), tag, static_cast<int64_t>(gno));
}

ErrantReport find_errant_transactions(const ConnectionUrl& old_active, const binlog::BinlogPosition& promotion,
                                      const ErrantOptions& options) {
  ErrantReport report;
  report.from = promotion;
  report.promoted_gtid = promotion.gtid_executed;
  {
    sql::ConnectOptions o;
    o.role = "old active";
    o.read_timeout_seconds = 30;
    sql::Connection c(old_active, o);
    report.old_gtid =
        c.query_value(c.is_mariadb() ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed")
            .value_or("");
  }
  ServerSourceOptions source_options;
  source_options.url = old_active;
  source_options.server_id = options.server_id;
  source_options.non_blocking = true;
  ServerBinlogSource source(source_options);
  StreamOptions stream_options;
  stream_options.reconnect = false;
  ReplicationStream stream(source, stream_options);
  Collector collector(report, options);
  with_context(
      [&] {
        return fmt::format("reading the old active's binlog from the promotion position {}", promotion.to_string());
      },
      [&] {
        stream.run(StartPosition{promotion.file, promotion.offset, promotion.gtid_executed}, collector);
      });
  report.old_end = stream.accepted_position();
  return report;
}

std::string render_errant(const ErrantReport& report) {
  std::string out;
  for (const ErrantTransaction& t : report.transactions) {
    out += fmt::format("  {} .. {}", t.begin.to_string(), t.end.to_string());
    if (!t.gtid.empty()) out += " gtid " + t.gtid;
    out += ":";
    bool first = true;
    for (const auto& [table, rows] : t.rows) {
      out += fmt::format("{} {} {} row{}", first ? "" : ",", table, rows, rows == 1 ? "" : "s");
      first = false;
    }
    for (const std::string& s : t.statements) {
      out += fmt::format("{} statement: {}", first ? "" : ";", s);
      first = false;
    }
    out += "\n";
  }
  return out;
}

}  // namespace galaxis::relay
