#include "galaxis/relay/binlog_history.h"

#include <fmt/format.h>

#include <algorithm>

#include "galaxis/common/log.h"
#include "galaxis/sql/parallel_checkpoint.h"

namespace galaxis::relay {
namespace {

// "binlog.000001" → "000001"; "" when there is no numeric extension.
std::string_view file_suffix(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  const std::string_view suffix = name.substr(dot + 1);
  if (suffix.empty() || !std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  return suffix;
}

bool is_first_file(std::string_view name) {
  const std::string_view suffix = file_suffix(name);
  return !suffix.empty() && std::all_of(suffix.begin(), suffix.end() - 1, [](char c) { return c == '0'; }) &&
         suffix.back() == '1';
}

std::string without_newlines(std::string text) {
  std::erase(text, '\n');
  return text;
}

}  // namespace

BinlogHistory judge_binlog_history(const BinlogHistoryFacts& f) {
  if (f.oldest_file.empty()) return {true, "the master lists no binlog files"};
  if (f.mariadb) {
    if (!f.gtid_list_of_oldest.empty()) {
      return {false, fmt::format("the oldest binlog {} starts after GTIDs {}: earlier binlogs were purged",
                                 f.oldest_file, f.gtid_list_of_oldest)};
    }
    return {true, fmt::format("the oldest binlog {} starts with an empty GTID list: no transaction before it",
                              f.oldest_file)};
  }
  if (f.gtid_mode_on) {
    if (!f.gtid_purged.empty()) {
      return {false, fmt::format("gtid_purged is {}: those transactions are in no binlog any more",
                                 without_newlines(f.gtid_purged))};
    }
    return {true, "gtid_purged is empty: every transaction is still in the binlog"};
  }
  if (!is_first_file(f.oldest_file)) {
    return {false,
            fmt::format("GTIDs are off and the oldest binlog is {}, not the first file: earlier ones were purged",
                        f.oldest_file)};
  }
  return {true, fmt::format("GTIDs are off and the oldest binlog is the first file {}", f.oldest_file)};
}

BinlogHistory inspect_binlog_history(sql::Connection& source) {
  BinlogHistoryFacts facts;
  facts.mariadb = source.is_mariadb();
  const sql::Rows files = source.query("SHOW BINARY LOGS");
  if (!files.empty()) facts.oldest_file = files.front()[0].value_or("");
  if (!facts.oldest_file.empty()) {
    if (facts.mariadb) {
      facts.gtid_list_of_oldest =
          source.query_value("SELECT BINLOG_GTID_POS(" + source.quote(facts.oldest_file) + ", 4)").value_or("");
    } else {
      facts.gtid_mode_on = source.query_value("SELECT @@GLOBAL.gtid_mode").value_or("OFF") == "ON";
      facts.gtid_purged = source.query_value("SELECT @@GLOBAL.gtid_purged").value_or("");
    }
  }
  return judge_binlog_history(facts);
}

namespace {

bool table_exists(sql::Connection& target, const std::string& schema, const std::string& table) {
  return target
             .query_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=" + target.quote(schema) +
                          " AND table_name=" + target.quote(table))
             .value_or("0") != "0";
}

// "checkpoint", "interrupted copy" or "" (neither): what the target has for the stream.
std::string stream_state_on_target(sql::Connection& target, const std::string& schema, const std::string& stream) {
  if (table_exists(target, schema, "checkpoint")) {
    // The plain row, or parallel apply's worker rows "<stream>#k/N".
    for (const sql::CheckpointRow& row : sql::load_stream_rows(target, schema, stream)) {
      if (row.position) return "checkpoint";
    }
  }
  const std::string where = " WHERE stream=" + target.quote(stream);
  if (table_exists(target, schema, "sync_state") &&
      target.query_value("SELECT COUNT(*) FROM " + sql::qualified_name(schema, "sync_state") + where +
                         " AND finished_at IS NULL")
              .value_or("0") != "0") {
    return "interrupted copy";
  }
  return "";
}

}  // namespace

InitialPosition default_initial_position(const ConnectionUrl& source_url, const ConnectionUrl& target_url,
                                         const std::string& checkpoint_schema, const std::string& stream) {
  sql::ConnectOptions options;
  options.role = "target";
  sql::Connection target(target_url, options);
  const std::string state = stream_state_on_target(target, checkpoint_schema, stream);
  if (state == "checkpoint") return InitialPosition::kFromStart;  // streaming continues from the checkpoint
  if (state == "interrupted copy") {
    log::info("relay: stream '{}' has an interrupted snapshot copy on the target: --initial snapshot (resuming it)",
              stream);
    return InitialPosition::kSnapshot;
  }
  options.role = "source";
  sql::Connection source(source_url, options);
  const BinlogHistory history = with_context("source " + source.display() + ": checking whether its binlog is complete",
                                             [&] { return inspect_binlog_history(source); });
  if (history.complete) {
    log::info("relay: stream '{}' has no checkpoint and no --initial was given: from-start, because {}", stream,
              history.reason);
    return InitialPosition::kFromStart;
  }
  log::info("relay: stream '{}' has no checkpoint and no --initial was given: snapshot, because {}", stream,
            history.reason);
  return InitialPosition::kSnapshot;
}

}  // namespace galaxis::relay
