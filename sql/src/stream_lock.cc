#include "galaxis/sql/stream_lock.h"

#include <fmt/format.h>

#include "galaxis/common/log.h"

namespace galaxis::sql {

std::string stream_lock_name(const std::string& schema, const std::string& row) {
  std::string name = "galaxis-relay:" + schema + "." + row;
  if (name.size() > 64) name = fmt::format("galaxis-relay:{:016x}", std::hash<std::string>{}(name));
  return name;
}

void acquire_stream_lock(Connection& connection, const std::string& schema, const std::string& row,
                         const std::function<bool()>& give_up) {
  const std::string lock = stream_lock_name(schema, row);
  constexpr int kWaitSeconds = 10;
  constexpr int kMaxWaits = 12;
  for (int attempt = 1;; ++attempt) {
    const auto got =
        connection.query_value("SELECT GET_LOCK(" + connection.quote(lock) + ", " + std::to_string(kWaitSeconds) + ")");
    if (got.value_or("0") == "1") return;
    if (attempt >= kMaxWaits || (give_up && give_up())) {
      throw_error(Error::Kind::kRuntime,
                  "target {}: another session holds the lock '{}' of stream '{}' (another galaxis-relay applying the "
                  "same stream, or a killed one whose last transaction the server is still finishing); gave up "
                  "after {} s",
                  connection.display(), lock, row, attempt * kWaitSeconds);
    }
    log::warn("relay: waiting for the lock '{}' on the target: the previous applier of '{}' has not ended yet", lock,
              row);
  }
}

void wait_for_stream_lock(Connection& connection, const std::string& schema, const std::string& row,
                          const std::function<bool()>& give_up) {
  acquire_stream_lock(connection, schema, row, give_up);
  connection.query_value("SELECT RELEASE_LOCK(" + connection.quote(stream_lock_name(schema, row)) + ")");
}

}  // namespace galaxis::sql
