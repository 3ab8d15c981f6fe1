#include "galaxis/sql/sync/chunk_writer.h"

#include <chrono>

#include "galaxis/common/log.h"
#include "galaxis/common/retry.h"
#include "galaxis/sql/schema_cache.h"
#include "galaxis/sql/sync/checked_write.h"
#include "galaxis/sql/target_session.h"
#include "galaxis/sql/transaction_scope.h"

namespace galaxis::sql::sync {

std::string writer_session_sql() {
  // The applier's sql_mode (target_session.h); every warning is read before
  // the chunk commits.
  return std::string("SET NAMES utf8mb4;SET time_zone='+00:00', sql_mode='") + kApplierSqlMode +
         "', foreign_key_checks=0, unique_checks=0, " + kApplyingVariable + "=1";
}

TargetSink::TargetSink(Connection connection) : connection_(std::move(connection)) {
  connection_.exec(writer_session_sql());
}

void TargetSink::write(ChunkJob& job) {
  // Each INSERT group is the last statement of its round trip, so SHOW
  // WARNINGS has its text when it warns (groups are statement_bytes large:
  // the extra round trips cost little); COMMIT goes once all were checked.
  std::vector<std::string> trips;
  trips.push_back("START TRANSACTION" + (job.before_sql.empty() ? std::string() : ";" + job.before_sql));
  const std::string head = "INSERT INTO " + job.table->target_name() + " " + column_list(*job.table) + " VALUES ";
  for (const std::string& group : job.value_groups) trips.push_back(head + group);
  if (!job.after_sql.empty()) trips.push_back(job.after_sql);
  const std::string where = fmt::format("chunk {} of {}", job.chunk.number, job.table->source_name());
  // A chunk is one target transaction. Parallel writers can deadlock on the
  // shared sync_progress rows (gap locks of its unique key); InnoDB then
  // rolls the whole chunk back, so sending it again is safe.
  // Up to 4 retries (5 tries), 20 ms doubling.
  RetryPolicy policy;
  policy.initial_delay = std::chrono::milliseconds(20);
  policy.max_delay = std::chrono::milliseconds(160);
  policy.max_attempts = 4;
  Backoff backoff(policy);
  with_context(fmt::format("writing chunk {} of {}", job.chunk.number, job.table->target_name()), [&] {
    while (true) {
      try {
        TransactionScope trx(connection_);  // rolled back before the handler runs
        for (const std::string& sql : trips) send_checked(connection_, sql, *job.table, where);
        trx.commit();
        return;
      } catch (const Error& e) {
        if (!is_lock_conflict(e.server_errno())) throw;
        const auto delay = backoff.next_delay();
        if (!delay) throw;
        backoff.wait(*delay);
      }
    }
  });
}

WriterPool::WriterPool(unsigned threads, const SinkFactory& make_sink, uint64_t max_queued_bytes,
                       ProgressReporter* progress)
    : progress_(progress), max_queued_bytes_(max_queued_bytes) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) sinks_.push_back(make_sink());  // connect first: errors surface here
  for (auto& sink : sinks_) threads_.emplace_back([this, s = sink.get()] { run(s); });
}

WriterPool::~WriterPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WriterPool::rethrow_failure_locked() {
  if (failure_) std::rethrow_exception(failure_);
}

void WriterPool::submit(ChunkJob job) {
  std::unique_lock<std::mutex> lock(mutex_);
  // Always admit one job even when it alone is larger than the bound.
  changed_.wait(lock, [&] { return failure_ || queue_.empty() || queued_bytes_ + job.bytes <= max_queued_bytes_; });
  rethrow_failure_locked();
  queued_bytes_ += job.bytes;
  queue_.push_back(std::move(job));
  changed_.notify_all();
}

void WriterPool::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || (queue_.empty() && in_progress_ == 0); });
  rethrow_failure_locked();
}

void WriterPool::finish() {
  drain();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

uint64_t WriterPool::jobs_written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return written_;
}

void WriterPool::run(ChunkSink* sink) {
  for (;;) {
    ChunkJob job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || failure_ || !queue_.empty(); });
      if (stopping_ || failure_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= job.bytes;
      ++in_progress_;
    }
    changed_.notify_all();
    try {
      sink->write(job);
      if (progress_ != nullptr && job.rows > 0) progress_->add_rows(job.table->source_name(), job.rows);
      std::lock_guard<std::mutex> lock(mutex_);
      --in_progress_;
      ++written_;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      --in_progress_;
      if (!failure_) failure_ = std::current_exception();
      queue_.clear();
      queued_bytes_ = 0;
    }
    changed_.notify_all();
  }
}

}  // namespace galaxis::sql::sync
