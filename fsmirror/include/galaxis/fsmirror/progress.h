// galaxis/fsmirror/progress.h — progress lines on stderr for long cycles.
//
// Silent for the first 2 s of a cycle (short cycles print nothing), then one
// line every 2 s: files and bytes done of the plan, rate, ETA.
#pragma once

#include <chrono>
#include <cstdint>

namespace galaxis::fsmirror {

class Progress {
 public:
  Progress(bool enabled, uint64_t total_files, uint64_t total_bytes);
  void add_bytes(uint64_t n) {
    bytes_ += n;
    if (enabled_ && ++ticks_ % 16 == 0) maybe_print(false);
  }
  void add_file() {
    ++files_;
    if (enabled_) maybe_print(false);
  }
  void finish() {
    if (enabled_ && printed_) maybe_print(true);
  }

 private:
  void maybe_print(bool final_line);

  bool enabled_;
  uint64_t total_files_, total_bytes_;
  uint64_t files_ = 0, bytes_ = 0, ticks_ = 0;
  bool printed_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace galaxis::fsmirror
