#include "galaxis/sql/parallel_checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "galaxis/common/error.h"
#include "galaxis/sql/transaction_scope.h"

namespace galaxis::sql {
namespace {

constexpr size_t kStreamColumnChars = 64;  // checkpoint.stream VARCHAR(64)

std::string table_of(const std::string& schema) { return quote_identifier(schema) + ".`checkpoint`"; }

// The stream's rows: `stream` itself or starting with "stream#" (LIKE with
// its wildcards escaped; the exact case is checked by the caller).
std::string stream_condition(Connection& connection, const std::string& stream) {
  std::string pattern;
  for (char c : stream) {
    if (c == '\\' || c == '%' || c == '_') pattern += '\\';
    pattern += c;
  }
  pattern += "#%";
  return "stream = " + connection.quote(stream) + " OR stream LIKE " + connection.quote(pattern);
}

std::string describe_row(const CheckpointRow& row) {
  return fmt::format("'{}' at {}{}", row.stream, row.position ? row.position->to_string() : "(none)",
                     row.ddl_pending ? " ddl_pending" : "");
}

std::string describe_rows(const std::vector<CheckpointRow>& rows) {
  std::string out;
  for (const CheckpointRow& row : rows) out += (out.empty() ? "" : ", ") + describe_row(row);
  return out;
}

// "binlog.000012" -> ("binlog", 12); the whole name and 0 when it has no numeric extension.
std::pair<std::string_view, uint64_t> split_file(std::string_view file) {
  size_t dot = file.rfind('.');
  if (dot == std::string_view::npos) return {file, 0};
  uint64_t index = 0;
  const char* begin = file.data() + dot + 1;
  const char* end = file.data() + file.size();
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr != end) return {file, 0};
  return {file.substr(0, dot), index};
}

}  // namespace

std::string worker_stream_name(const std::string& stream, size_t k, size_t n) {
  std::string name = fmt::format("{}#{}/{}", stream, k, n);
  if (name.size() > kStreamColumnChars) {
    throw_error(Error::Kind::kUsage,
                "stream name '{}' is too long for parallel apply: its worker rows ('{}') must fit the checkpoint "
                "table's 64-character stream column",
                stream, name);
  }
  return name;
}

std::optional<std::pair<size_t, size_t>> parse_worker_stream_name(const std::string& stream, const std::string& name) {
  if (name.size() < stream.size() + 4 || name.compare(0, stream.size(), stream) != 0 || name[stream.size()] != '#') {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(name).substr(stream.size() + 1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  size_t k = 0, n = 0;
  auto parse = [](std::string_view digits, size_t& value) {
    if (digits.empty() || digits[0] == '0') return false;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return ec == std::errc() && ptr == digits.data() + digits.size();
  };
  if (!parse(rest.substr(0, slash), k) || !parse(rest.substr(slash + 1), n) || k > n) return std::nullopt;
  return std::make_pair(k, n);
}

bool position_before(const std::optional<binlog::BinlogPosition>& a, const std::optional<binlog::BinlogPosition>& b) {
  if (!b) return false;
  if (!a) return true;
  auto [base_a, index_a] = split_file(a->file);
  auto [base_b, index_b] = split_file(b->file);
  if (base_a != base_b) return a->file < b->file;
  if (index_a != index_b) return index_a < index_b;
  return a->offset < b->offset;
}

bool RecoveryPlan::any_ddl_pending() const {
  return plain_ddl_pending || std::find(ddl_pending.begin(), ddl_pending.end(), true) != ddl_pending.end();
}

RecoveryPlan plan_recovery(const std::vector<CheckpointRow>& rows, const std::string& stream) {
  auto corrupt = [&](const std::string& why) {
    throw_error(Error::Kind::kCorrupt,
                "checkpoint rows of stream '{}' do not describe a state parallel apply can leave ({}): {}; fix or "
                "delete them by hand and restart",
                stream, why, describe_rows(rows));
  };
  const CheckpointRow* plain = nullptr;
  std::map<size_t, const CheckpointRow*> workers;
  size_t n = 0;
  for (const CheckpointRow& row : rows) {
    if (row.stream == stream) {
      plain = &row;
      continue;
    }
    auto parsed = parse_worker_stream_name(stream, row.stream);
    if (!parsed) continue;  // another stream whose name starts with ours and '#'
    if (n != 0 && parsed->second != n) corrupt("worker rows of different worker counts");
    n = parsed->second;
    workers[parsed->first] = &row;
  }
  RecoveryPlan plan;
  if (workers.empty()) {
    if (plain) {
      plan.start = plain->position;
      plan.plain_ddl_pending = plain->ddl_pending;
    }
    return plan;
  }
  if (plain && (plain->position || plain->ddl_pending)) corrupt("a plain row with a position beside worker rows");
  if (workers.size() != n) corrupt(fmt::format("{} of {} worker rows present", workers.size(), n));
  plan.workers = n;
  // Positions are the same when their binlog coordinates are: the GTID set
  // of one position may be spelled differently by two runs.
  const auto same = [](const std::optional<binlog::BinlogPosition>& a, const std::optional<binlog::BinlogPosition>& b) {
    return !position_before(a, b) && !position_before(b, a);
  };
  std::vector<std::optional<binlog::BinlogPosition>> positions;
  for (const auto& [k, row] : workers) {
    plan.ddl_pending.push_back(row->ddl_pending);
    if (std::none_of(positions.begin(), positions.end(), [&](const auto& p) { return same(p, row->position); })) {
      positions.push_back(row->position);
    }
  }
  if (positions.size() > 2) corrupt("worker rows at more than two positions");
  if (positions.size() == 1) {
    plan.start = positions[0];
    return plan;
  }
  if (position_before(positions[1], positions[0])) std::swap(positions[0], positions[1]);
  if (!positions[1]) corrupt("a partial epoch without an end position");
  plan.start = positions[0];
  plan.epoch_end = positions[1];
  for (const auto& [k, row] : workers) plan.replay.push_back(same(row->position, positions[0]));
  if (plan.replay[0]) {
    // Worker 1 commits a single-worker epoch last: the others' rows at E
    // are empty shares, the whole epoch is worker 1's.
    plan.single_worker = true;
    std::fill(plan.replay.begin() + 1, plan.replay.end(), false);
  }
  return plan;
}

std::vector<CheckpointRow> load_stream_rows(Connection& connection, const std::string& schema,
                                            const std::string& stream) {
  Rows rows = with_context("reading the checkpoint rows from " + table_of(schema), [&] {
    return connection.query("SELECT stream, binlog_file, binlog_position, gtid_set, ddl_pending FROM " +
                            table_of(schema) + " WHERE " + stream_condition(connection, stream) + " ORDER BY stream");
  });
  std::vector<CheckpointRow> out;
  for (const Row& row : rows) {
    CheckpointRow r;
    r.stream = row[0].value_or("");
    if (r.stream != stream && !parse_worker_stream_name(stream, r.stream)) continue;  // case-insensitive match only
    r.ddl_pending = row[4].value_or("0") != "0";
    if (row[1] && row[2]) {
      binlog::BinlogPosition position;
      position.file = *row[1];
      position.offset = std::stoull(*row[2]);
      position.gtid_executed = row[3].value_or("");
      r.position = position;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool worker_rows_exist(Connection& connection, const std::string& schema, const std::string& stream) {
  const auto tables = connection.query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                             connection.quote(schema) + " AND TABLE_NAME = 'checkpoint'");
  if (tables.value_or("0") == "0") return false;
  for (const CheckpointRow& row : load_stream_rows(connection, schema, stream)) {
    if (row.stream != stream) return true;
  }
  return false;
}

void replace_stream_rows(Connection& connection, const std::string& schema, const std::string& stream,
                         const std::vector<CheckpointRow>& rows) {
  std::string sql =
      "START TRANSACTION;DELETE FROM " + table_of(schema) + " WHERE " + stream_condition(connection, stream) + ";";
  if (!rows.empty()) {
    sql += "INSERT INTO " + table_of(schema) +
           " (stream, binlog_file, binlog_position, gtid_set, ddl_pending, updated_at) VALUES ";
    bool first = true;
    for (const CheckpointRow& row : rows) {
      sql += first ? "(" : ",(";
      first = false;
      sql += connection.quote(row.stream) + ",";
      if (row.position) {
        sql += connection.quote(row.position->file) + "," + std::to_string(row.position->offset) + "," +
               connection.quote(row.position->gtid_executed);
      } else {
        sql += "NULL,NULL,NULL";
      }
      sql += std::string(",") + (row.ddl_pending ? "1" : "0") + ",NOW(6))";
    }
    sql += ";";
  }
  sql += "COMMIT";
  with_context("rewriting the checkpoint rows of stream '" + stream + "'", [&] {
    TransactionScope trx(connection);
    connection.exec_multi(sql);  // the batch ends with its own COMMIT
    trx.mark_committed();
  });
}

std::vector<CheckpointRow> worker_rows_at(const std::string& stream, size_t n,
                                          const std::optional<binlog::BinlogPosition>& position, bool ddl_pending) {
  std::vector<CheckpointRow> rows;
  for (size_t k = 1; k <= n; ++k) rows.push_back({worker_stream_name(stream, k, n), position, ddl_pending && k == 1});
  return rows;
}

}  // namespace galaxis::sql
