// The sync orchestration (sync.h): snapshot, schema, copy or checksum,
// resume, checkpoint. The individual jobs live in the other files of sql/sync/src.
#include <cctype>
#include <chrono>
#include <set>

#include "galaxis/common/log.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/sync/checksum.h"
#include "galaxis/sql/sync/chunk_reader.h"
#include "galaxis/sql/sync/chunk_writer.h"
#include "galaxis/sql/sync/dump.h"
#include "galaxis/sql/sync/progress.h"
#include "galaxis/sql/sync/resume_state.h"
#include "galaxis/sql/sync/schema_copy.h"
#include "galaxis/sql/sync/snapshot.h"
#include "galaxis/sql/sync/sync.h"

namespace galaxis::sql::sync {
namespace {

SyncResult run_sync_unchecked(const SyncOptions& options);

ConnectOptions connect_options(const char* role) {
  ConnectOptions options;
  options.role = role;
  return options;
}

FilterOptions filter_options(const SyncOptions& options) {
  FilterOptions filter = options.filter;
  filter.checkpoint_schema = options.checkpoint_schema;
  return filter;
}

ChunkLimits chunk_limits(const SyncOptions& options) {
  ChunkLimits limits;
  limits.chunk_rows = std::max<uint64_t>(1, options.chunk_rows);
  limits.chunk_bytes = std::max<uint64_t>(1024, options.chunk_bytes);
  limits.statement_bytes = std::max<uint64_t>(1024, options.statement_bytes);
  return limits;
}

// Every checkpoint row of the stream: the plain one and parallel apply's
// worker rows ("<stream>#k/N"); empty when there is no checkpoint table.
std::vector<CheckpointRow> stream_rows(Connection& target, const SyncOptions& options) {
  const auto tables = target.query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                         target.quote(options.checkpoint_schema) + " AND TABLE_NAME = 'checkpoint'");
  if (tables.value_or("0") == "0") return {};
  return load_stream_rows(target, options.checkpoint_schema, options.stream);
}

// Sets the plain row to `position` and drops worker rows of an earlier
// parallel run (they would contradict it), in one transaction with `extra_sql`.
void write_checkpoint(Connection& target, const SyncOptions& options, const binlog::BinlogPosition& position,
                      const std::string& extra_sql) {
  CheckpointStore checkpoint(options.checkpoint_schema, options.stream);
  checkpoint.ensure_table(target);
  std::string drop_workers;
  for (const CheckpointRow& row : stream_rows(target, options)) {
    if (row.stream != options.stream) {
      drop_workers += "DELETE FROM " + checkpoint.table_name() + " WHERE stream = " + target.quote(row.stream) + ";";
    }
  }
  target.exec("START TRANSACTION;" + checkpoint.update_statement(position, false) + ";" + drop_workers + extra_sql +
              "COMMIT");
  log::info("sync: checkpoint of stream '{}' set to {} (gtid '{}')", options.stream, position.to_string(),
            position.gtid_executed);
}

void copy_tables(const SyncOptions& options, Connection& source, Connection& target,
                 const std::vector<SyncTable>& tables, const Filter& filter, SyncResult* result) {
  ResumeState state(options.checkpoint_schema, options.stream);
  state.ensure_tables(target);
  const std::optional<CopyRun> run = state.load_run(target);
  const bool resuming = run && !run->finished;
  std::map<std::string, std::vector<ChunkRecord>> chunks;
  if (resuming) {
    chunks = state.load_chunks(target);
    result->resumed = true;
    log::info("sync: resuming the interrupted copy of stream '{}' (started at {}; now at {})", options.stream,
              run->position.to_string(), result->position.to_string());
  } else {
    state.start_run(target, result->position);
  }

  ProgressReporter progress("sync copy", options.progress_interval);
  for (const SyncTable& table : tables) {
    const TargetTableState created = prepare_target_table(source, target, table, true, nullptr, true);
    const auto it = chunks.find(ResumeState::table_key(table));
    if (created == TargetTableState::kExistsWithRows && it == chunks.end()) {
      throw_error(Error::Kind::kRuntime,
                  "target table {} already has rows; a copy starts from empty tables — use --mode checksum to "
                  "repair a populated target",
                  table.target_name());
    }
    uint64_t done_rows = 0;
    if (it != chunks.end()) {
      for (const ChunkRecord& c : it->second) done_rows += c.done ? c.rows : 0;
    }
    progress.add_table(table.source_name(), std::max(table.estimated_rows, done_rows));
    if (done_rows > 0) progress.add_rows(table.source_name(), done_rows);
  }

  WriterPool pool(
      options.threads,
      [&] { return std::make_unique<TargetSink>(Connection(options.target, connect_options("target"))); },
      std::max<uint64_t>(options.chunk_bytes, 1 << 20) * (options.threads + 1), &progress);
  ChunkReader reader(source, chunk_limits(options));

  for (const SyncTable& table : tables) {
    with_context("copying " + table.source_name(), [&] {
      const std::vector<ChunkRecord>* records = nullptr;
      if (auto it = chunks.find(ResumeState::table_key(table)); it != chunks.end()) records = &it->second;
      auto submit = [&](ChunkJob&& job) {
        if (table.has_key()) {
          target.exec(state.plan_statement(table, job.chunk));
          job.after_sql = state.done_statement(table, job.chunk);
        }
        result->rows_copied += job.rows;
        ++result->chunks_copied;
        pool.submit(std::move(job));
      };

      if (!table.has_key()) {
        if (records && !records->empty() && records->front().done) {
          result->chunks_resumed += 1;
          return;
        }
        if (table.estimated_rows > options.keyless_warn_rows) {
          log::warn(
              "sync: {} has no primary or unique NOT NULL key: copying its ~{} rows in one pass; an "
              "interrupted copy starts this table over",
              table.source_name(), table.estimated_rows);
        }
        ChunkRecord whole;
        whole.number = 1;
        if (records && !records->empty()) target.exec("DELETE FROM " + table.target_name());  // partial copy
        target.exec(state.plan_statement(table, whole));
        uint64_t number = 1;
        uint64_t rows = reader.read_range(table, std::nullopt, std::nullopt, true, &number, submit);
        // The mark may only commit after every job of the table: wait for them.
        pool.drain();
        whole.rows = rows;
        target.exec(state.done_statement(table, whole));
        progress.table_done(table.source_name());
        return;
      }

      uint64_t next = 1;
      std::optional<KeyValue> tail_lower;
      bool complete = false;
      if (records && !records->empty()) {
        for (const ChunkRecord& record : *records) {
          if (record.done) {
            ++result->chunks_resumed;
            continue;
          }
          uint64_t number = record.number;  // re-copy the planned range under the new snapshot
          reader.read_range(table, record.lower, record.upper, false, &number, submit);
        }
        next = records->back().number + 1;
        complete = !records->back().upper.has_value();
        tail_lower = records->back().upper;
      }
      if (!complete) reader.read_range(table, tail_lower, std::nullopt, true, &next, submit);
      progress.table_done(table.source_name());
    });
  }
  pool.finish();
  progress.finish();
  for (const SyncTable& table : tables) restore_secondary_indexes(source, target, table);

  // Chunks an earlier run copied are at its (older) snapshot: bring them to this one.
  if (resuming && !(run->position == result->position)) {
    log::info("sync: verifying the chunks copied before the interruption against the new snapshot");
    ChecksumOptions checksum_options;
    checksum_options.chunk_rows = options.chunk_rows;
    checksum_options.keyless_warn_rows = options.keyless_warn_rows;
    ChecksumComparer comparer(source, target, checksum_options);
    for (const SyncTable& table : tables) {
      auto it = chunks.find(ResumeState::table_key(table));
      if (it == chunks.end()) continue;
      TableDifferences differences;
      differences.table = table.source_name();
      if (!table.has_key()) {
        if (!it->second.empty() && it->second.front().done) comparer.compare_table(table, &differences);
      } else {
        for (const ChunkRecord& record : it->second) {
          if (record.done) comparer.compare_range(table, record.lower, record.upper, &differences);
        }
      }
      if (differences.total() > 0) {
        log::info("sync: {}: repaired {} missing, {} extra, {} changed rows from before the interruption",
                  table.source_name(), differences.missing, differences.extra, differences.changed);
      }
    }
  }

  copy_views_and_triggers(source, target, tables, filter);
  if (options.write_checkpoint) {
    write_checkpoint(target, options, result->position, "");
  }
  state.finish_run(target);
}

void checksum_tables(const SyncOptions& options, Connection& source, Connection& target,
                     const std::vector<SyncTable>& tables, const Filter& filter, SyncResult* result) {
  // A relay applying meanwhile (serial or parallel) would move these rows.
  const std::vector<CheckpointRow> before = stream_rows(target, options);
  ChecksumOptions checksum_options;
  checksum_options.chunk_rows = std::max<uint64_t>(1, options.chunk_rows);
  checksum_options.dry_run = options.dry_run;
  checksum_options.keyless_warn_rows = options.keyless_warn_rows;
  ChecksumComparer comparer(source, target, checksum_options);
  ProgressReporter progress(options.dry_run ? "sync checksum (dry run)" : "sync checksum", options.progress_interval);
  for (const SyncTable& table : tables) progress.add_table(table.source_name(), table.estimated_rows);

  for (const SyncTable& table : tables) {
    TableDifferences differences;
    differences.table = table.source_name();
    bool missing = false;
    prepare_target_table(source, target, table, !options.dry_run, &missing);
    if (missing && options.dry_run) {
      differences.table_missing = true;
      differences.missing =
          std::stoull(source.query_value("SELECT COUNT(*) FROM " + table.source_name()).value_or("0"));
    } else {
      if (missing) log::info("sync: created the missing target table {}", table.target_name());
      comparer.compare_table(table, &differences);
    }
    progress.add_rows(table.source_name(), table.estimated_rows);
    progress.table_done(table.source_name());
    if (differences.total() > 0) result->differences.push_back(differences);
  }
  for (const std::string& extra : extra_target_tables(target, tables, filter)) {
    TableDifferences differences;
    differences.table = extra;
    differences.table_extra = true;
    if (options.drop_extra && !options.dry_run) {
      target.exec("DROP TABLE " + extra);
      log::info("sync: dropped {} (not on the source; --drop-extra)", extra);
    } else {
      log::warn("sync: target table {} does not exist on the source (kept; --drop-extra drops it)", extra);
    }
    result->differences.push_back(differences);
  }
  progress.finish();
  result->chunks_compared = comparer.chunks_compared();
  result->chunks_differing = comparer.chunks_differing();
  if (options.dry_run) return;

  copy_views_and_triggers(source, target, tables, filter);
  if (options.write_checkpoint) {
    const std::vector<CheckpointRow> after = stream_rows(target, options);
    if (before != after) {
      const auto describe = [](const std::vector<CheckpointRow>& rows) {
        std::string text;
        for (const CheckpointRow& row : rows) {
          text += (text.empty() ? "" : ", ") + row.stream + " " + (row.position ? row.position->to_string() : "-");
        }
        return text.empty() ? std::string("none") : text;
      };
      throw_error(Error::Kind::kRuntime,
                  "the checkpoint of stream '{}' moved during the checksum sync (was {}, now {}): a relay is "
                  "still applying to this target; stop it and run the sync again",
                  options.stream, describe(before), describe(after));
    }
    write_checkpoint(target, options, result->position, "");
  }
}

// Access-denied errors name the statement but not always the privilege
// ("Access denied for user 'x' to database 'y'"): say which one it needs.
[[noreturn]] void rethrow_with_privilege_hint(const Error& e) {
  const std::string message = e.what();
  const size_t at = message.rfind("; statement: ");
  std::string verb;
  if (at != std::string::npos) {
    for (size_t i = at + 13; i < message.size() && std::isalpha(static_cast<unsigned char>(message[i])); ++i) {
      verb += static_cast<char>(std::toupper(static_cast<unsigned char>(message[i])));
    }
  }
  std::string privilege = verb;
  if (verb == "REPLACE") privilege = "INSERT and DELETE";
  if (verb == "USE") privilege = "any privilege on that database";
  if (verb == "TRUNCATE") privilege = "DROP";
  if (verb.empty()) throw e;
  const bool target =
      message.find("target ") != std::string::npos &&
      (message.find("source ") == std::string::npos || message.find("target ") < message.find("source "));
  throw Error(Error::Kind::kAuth,
              fmt::format("{} — the {} user lacks the {} privilege for this statement (the sync needs on the target: "
                          "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX on the copied databases and on "
                          "the checkpoint schema; on the source: SELECT, REPLICATION CLIENT)",
                          message, target ? "target" : "source", privilege));
}

}  // namespace

SyncResult run_sync(const SyncOptions& options) {
  try {
    return run_sync_unchecked(options);
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::kAuth && std::string(e.what()).find(" privilege") == std::string::npos) {
      rethrow_with_privilege_hint(e);
    }
    throw;
  }
}

namespace {
SyncResult run_sync_unchecked(const SyncOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  SyncResult result;
  Filter filter(filter_options(options));
  if (!options.in_dir.empty()) {
    result = restore_dump(options);
  } else {
    Connection source(options.source, connect_options("source"));
    result.position = open_consistent_snapshot(source);
    std::vector<SyncTable> tables = list_source_tables(source, filter);
    result.tables = tables.size();
    if (!options.out_dir.empty()) {
      write_dump(options, source, tables, &result);
    } else {
      Connection target(options.target, connect_options("target"));
      if (options.mode == SyncMode::kCopy) {
        copy_tables(options, source, target, tables, filter, &result);
      } else {
        checksum_tables(options, source, target, tables, filter, &result);
      }
    }
    try {
      source.exec("COMMIT");  // ends the snapshot
    } catch (const Error&) {
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}
}  // namespace

binlog::BinlogPosition run_snapshot_copy(const SyncOptions& options) {
  SyncOptions copy = options;
  copy.mode = SyncMode::kCopy;
  copy.dry_run = false;
  copy.write_checkpoint = true;
  copy.out_dir.clear();
  copy.in_dir.clear();
  return run_sync(copy).position;
}

std::optional<binlog::BinlogPosition> run_snapshot_copy_if_needed(const SyncOptions& options) {
  {
    Connection target(options.target, connect_options("target"));
    CheckpointStore checkpoint(options.checkpoint_schema, options.stream);
    checkpoint.ensure_table(target);
    ResumeState state(options.checkpoint_schema, options.stream);
    state.ensure_tables(target);
    const std::optional<CopyRun> run = state.load_run(target);
    const bool interrupted = run && !run->finished;
    bool has_position = false;  // the plain row or, after a parallel run, worker rows
    for (const CheckpointRow& row : stream_rows(target, options)) has_position = has_position || row.position;
    if (has_position && !interrupted) return std::nullopt;
    log::info("sync: stream '{}' has {}: copying a consistent snapshot before streaming", options.stream,
              interrupted ? "an interrupted snapshot copy" : "no checkpoint");
  }
  return run_snapshot_copy(options);
}

}  // namespace galaxis::sql::sync
