// galaxis/sql/sync/resume_state.h — what an interrupted copy had done, kept
// on the target so the next run continues instead of starting over.
//
//   <schema>.sync_state    (stream PK, binlog_file, binlog_position, gtid_set,
//                           started_at, finished_at)   one row per copy run
//   <schema>.sync_progress (stream, db, tbl, chunk, lower_key, upper_key,
//                           row_count, done, PK(stream, db, tbl, chunk))
//
// Chunks of a table are numbered 1, 2, ... in key order. The reader records
// a chunk as planned (done=0) before it hands the rows to a writer; the
// writer marks it done in the same target transaction as the chunk's rows,
// so "done" means exactly "these rows are committed". A chunk covers keys
// (lower_key, upper_key]; NULL bounds are open; the table's last chunk has
// upper_key NULL, so a table is completely planned once such a chunk exists.
// Key values are stored hex-encoded (table.h: encode_key).
//
// A resumed run (after a crash) re-copies the planned chunks that are not
// done under its new snapshot, plans and copies what lies after the last
// planned chunk, and verifies the done chunks against the new snapshot
// (checksum.h) before it checkpoints the new position (sync.h).
//
// Not thread-safe; every call uses the caller's connection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "galaxis/binlog/position.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

struct ChunkRecord {
  uint64_t number = 0;
  std::optional<KeyValue> lower;  // exclusive; nullopt: open
  std::optional<KeyValue> upper;  // inclusive; nullopt: open (the table's last chunk)
  uint64_t rows = 0;
  bool done = false;
};

struct CopyRun {
  binlog::BinlogPosition position;
  bool finished = false;
};

class ResumeState {
 public:
  ResumeState(std::string schema, std::string stream);

  void ensure_tables(Connection& target) const;
  // The last copy run of this stream (nullopt: none recorded).
  std::optional<CopyRun> load_run(Connection& target) const;
  // Starts a fresh run at `position`: forgets all chunks of the stream.
  void start_run(Connection& target, const binlog::BinlogPosition& position) const;
  // A resumed run continues at a new snapshot position.
  void move_run(Connection& target, const binlog::BinlogPosition& position) const;
  void finish_run(Connection& target) const;

  // Chunks per source table ("db\0table"), sorted by number.
  std::map<std::string, std::vector<ChunkRecord>> load_chunks(Connection& target) const;
  static std::string table_key(const SyncTable& table) { return table.database + '\0' + table.table; }

  // Records a planned chunk (autocommit statement for the reader).
  std::string plan_statement(const SyncTable& table, const ChunkRecord& chunk) const;
  // Marks a chunk done; belongs in the writer's transaction.
  std::string done_statement(const SyncTable& table, const ChunkRecord& chunk) const;

 private:
  std::string state_table() const;
  std::string progress_table() const;
  std::string schema_;
  std::string stream_;
};

}  // namespace galaxis::sql::sync
