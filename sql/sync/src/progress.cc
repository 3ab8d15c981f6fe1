#include "galaxis/sql/sync/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace galaxis::sql::sync {

ProgressReporter::ProgressReporter(std::string title, std::chrono::milliseconds interval)
    : title_(std::move(title)), interval_(interval), started_(std::chrono::steady_clock::now()) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressReporter::add_table(const std::string& name, uint64_t estimated_rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  tables_[name].estimated = estimated_rows;
}

void ProgressReporter::add_rows(const std::string& name, uint64_t rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  TableProgress& table = tables_[name];
  table.done += rows;
  table.started = true;
  rows_ += rows;
}

void ProgressReporter::table_done(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  tables_[name].finished = true;
}

uint64_t ProgressReporter::rows_done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rows_;
}

std::string ProgressReporter::line() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const double seconds =
      std::max(1e-3, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  uint64_t estimate = 0;
  std::string in_flight;
  for (const auto& [name, table] : tables_) {
    // A table's estimate is at least what has been done (estimates are rough).
    estimate += table.finished ? table.done : std::max(table.estimated, table.done);
    if (table.started && !table.finished) {
      in_flight += fmt::format("{}{} {}/{}", in_flight.empty() ? "; in flight: " : ", ", name, table.done,
                               std::max(table.estimated, table.done));
    }
  }
  const double rate = static_cast<double>(rows_) / seconds;
  std::string out = fmt::format("{}: {}/{} rows", title_, rows_, estimate);
  if (estimate > 0) {
    const uint64_t percent = std::min<uint64_t>(99, rows_ * 100 / estimate);
    out += fmt::format(" ({}%)", percent);
  }
  out += fmt::format(", {:.0f} rows/s", rate);
  if (rate > 0 && estimate > rows_) out += fmt::format(", ETA {:.0f}s", static_cast<double>(estimate - rows_) / rate);
  return out + in_flight;
}

void ProgressReporter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    std::fprintf(stderr, "%s\n", line().c_str());
    lock.lock();
  }
}

void ProgressReporter::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stderr, "%s: done, %llu rows in %.1fs (%.0f rows/s), %zu tables\n", title_.c_str(),
               static_cast<unsigned long long>(rows_), seconds,
               seconds > 0 ? static_cast<double>(rows_) / seconds : 0.0, tables_.size());
}

}  // namespace galaxis::sql::sync
