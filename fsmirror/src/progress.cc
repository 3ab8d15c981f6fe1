// Progress lines (progress.h).
#include "galaxis/fsmirror/progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace galaxis::fsmirror {

Progress::Progress(bool enabled, uint64_t total_files, uint64_t total_bytes)
    : enabled_(enabled),
      total_files_(total_files),
      total_bytes_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::maybe_print(bool final_line) {
  const auto now = std::chrono::steady_clock::now();
  if (!final_line && (now - start_ < std::chrono::seconds(2) || now - last_ < std::chrono::seconds(2))) return;
  last_ = now;
  printed_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(bytes_) / elapsed : 0;
  const double eta = rate > 0 && total_bytes_ > bytes_ ? static_cast<double>(total_bytes_ - bytes_) / rate : 0;
  const std::string line =
      fmt::format("mirror: {}/{} files, {:.1f}/{:.1f} MiB, {:.1f} MiB/s, {} {:.0f}s\n", files_, total_files_,
                  static_cast<double>(bytes_) / 1048576.0, static_cast<double>(total_bytes_) / 1048576.0,
                  rate / 1048576.0, final_line ? "took" : "ETA", final_line ? elapsed : eta);
  std::fputs(line.c_str(), stderr);
}

}  // namespace galaxis::fsmirror
