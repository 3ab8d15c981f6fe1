// galaxis/sql/sync/chunk_writer.h — parallel writers for copied chunks, with
// a bounded queue between the (single) snapshot reader and them.
//
// A ChunkJob carries a chunk's rows as ready-made VALUES groups
// "(..),(..)" (each at most statement_bytes long), plus what to run with
// them in the same transaction (the resume mark). A ChunkSink consumes jobs
// on one thread: TargetSink writes
//   START TRANSACTION; INSERT INTO t (cols) VALUES ...; ...; <mark>; COMMIT
// one INSERT per round trip, each checked for warnings before the COMMIT
// (warning_check.h: a value the target cannot store stops the copy; only
// 1265 on an ENUM column, its error value '', passes), on its own target
// connection (session: time zone
// '+00:00', foreign_key_checks=0 and unique_checks=0 — the source snapshot
// is consistent, and chunk order is not parent-before-child).
//
// WriterPool runs one sink per thread. submit() blocks while the queued
// jobs hold more than max_queued_bytes (memory stays bounded whatever the
// table size); drain() waits until every submitted job is written. The
// first error of any writer is rethrown by the next submit()/drain()/
// finish(); the remaining queued jobs are then discarded (their chunks stay
// not-done and a resumed run copies them).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "galaxis/common/url.h"
#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/progress.h"
#include "galaxis/sql/sync/resume_state.h"
#include "galaxis/sql/sync/table.h"

namespace galaxis::sql::sync {

struct ChunkJob {
  const SyncTable* table = nullptr;
  ChunkRecord chunk;
  std::vector<std::string> value_groups;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string before_sql;  // run first in the transaction (e.g. DELETE of a partial keyless copy)
  std::string after_sql;   // run last in the transaction (the resume mark); "" for none
};

class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  virtual void write(ChunkJob& job) = 0;
};

// The statements in the writer session.
std::string writer_session_sql();

class TargetSink : public ChunkSink {
 public:
  explicit TargetSink(Connection connection);
  void write(ChunkJob& job) override;

 private:
  Connection connection_;
  std::string sql_;
};

class WriterPool {
 public:
  using SinkFactory = std::function<std::unique_ptr<ChunkSink>()>;
  WriterPool(unsigned threads, const SinkFactory& make_sink, uint64_t max_queued_bytes, ProgressReporter* progress);
  ~WriterPool();
  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  void submit(ChunkJob job);
  void drain();
  // drain() and stop the threads.
  void finish();

  uint64_t jobs_written() const;

 private:
  void run(ChunkSink* sink);
  void rethrow_failure_locked();

  ProgressReporter* progress_;
  uint64_t max_queued_bytes_;
  std::vector<std::unique_ptr<ChunkSink>> sinks_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ChunkJob> queue_;
  uint64_t queued_bytes_ = 0;
  uint64_t in_progress_ = 0;
  uint64_t written_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
};

}  // namespace galaxis::sql::sync
