// galaxis/sql/sync/progress.h — progress lines on stderr while a sync runs:
// overall rows done of the estimate, rows/s, ETA, and the tables in flight.
//
//   sync copy: 412000/1000000 rows (41%), 98000 rows/s, ETA 6s; in flight: sb.t1 200000/250000
//
// Row estimates come from information_schema (TABLE_ROWS), so percentages
// are approximate and capped at 99% until the end. A background thread
// prints every `interval` (none when interval is 0); finish() prints the
// final line. add_rows()/table_done() are thread-safe (writer threads call
// them); the rest is for the owning thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace galaxis::sql::sync {

class ProgressReporter {
 public:
  ProgressReporter(std::string title, std::chrono::milliseconds interval);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void add_table(const std::string& name, uint64_t estimated_rows);
  void add_rows(const std::string& name, uint64_t rows);
  void table_done(const std::string& name);
  // Prints the final line and stops the thread.
  void finish();

  uint64_t rows_done() const;
  // The current progress line (without newline).
  std::string line() const;

 private:
  struct TableProgress {
    uint64_t estimated = 0;
    uint64_t done = 0;
    bool finished = false;
    bool started = false;
  };
  void run();

  std::string title_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, TableProgress> tables_;
  uint64_t rows_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace galaxis::sql::sync
