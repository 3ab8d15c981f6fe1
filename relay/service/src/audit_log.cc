#include "galaxis/relay/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::relay {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&seconds, &t);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms % 1000));
  return buffer;
}

}  // namespace

AuditLog::AuditLog(std::string path, std::string command, std::string pair)
    : path_(std::move(path)), command_(std::move(command)), pair_(std::move(pair)) {
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw_error(Error::Kind::kIo, "audit log {}: {}", path_, std::strerror(errno));
  ::close(fd);
}

void AuditLog::record(const std::string& step, const std::string& outcome, const std::string& detail,
                      const nlohmann::json& extra) {
  nlohmann::json j = {{"at", utc_now()}, {"command", command_}, {"pair", pair_},
                      {"step", step},    {"outcome", outcome},  {"detail", detail}};
  for (const auto& [key, value] : extra.items()) j[key] = value;
  const std::string line = j.dump() + "\n";
  if (outcome == "fail" || outcome == "refused" || outcome == "forced") {
    log::warn("{}: {}: {}: {}", command_, step, outcome, detail);
  } else {
    log::info("{}: {}: {}: {}", command_, step, outcome, detail);
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw_error(Error::Kind::kIo, "audit log {}: {}", path_, std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  ::fsync(fd);
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw_error(Error::Kind::kIo, "audit log {}: write: {}", path_, std::strerror(write_errno));
  }
}

}  // namespace galaxis::relay
