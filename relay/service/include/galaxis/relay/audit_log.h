// galaxis/relay/audit_log.h — the promotion audit trail: one JSON object per
// line, appended and flushed (fsync) per record, so a crash mid-promotion
// leaves every step taken so far on disk. Each record is also logged.
//
//   {"at":"2026-12-05T12:01:02.345Z","command":"promote","pair":"default",
//    "step":"fence","outcome":"ok","detail":"...", ...extra fields}
//
// outcome: "ok", "fail", "skip", "refused", "forced", "dry-run".
// Not thread-safe. Error(kIo) when the file cannot be opened or written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace galaxis::relay {

class AuditLog {
 public:
  AuditLog(std::string path, std::string command, std::string pair);
  void record(const std::string& step, const std::string& outcome, const std::string& detail,
              const nlohmann::json& extra = nlohmann::json::object());
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string command_;
  std::string pair_;
};

}  // namespace galaxis::relay
