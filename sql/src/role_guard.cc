#include "galaxis/sql/role_guard.h"

#include <fmt/format.h>

#include "galaxis/common/error.h"

namespace galaxis::sql {

std::string fenced_target_message(const std::string& server, const std::string& pair, const RoleRecord& record) {
  const std::string when = record.changed_at.empty() ? "at an unknown time" : "at " + record.changed_at + " UTC";
  const std::string by = record.changed_by.empty() ? "" : " by " + record.changed_by;
  if (record.role == ServerRole::kActive) {
    return fmt::format(
        "refusing to apply to {}: its role row for pair '{}' says active (epoch {}, promoted {}{}); it takes the "
        "writes itself. Relay from it instead (`galaxis-relay failback`), or, if that promotion was wrong, set the "
        "row back to passive by hand",
        server, pair, record.epoch, when, by);
  }
  return fmt::format(
      "refusing to apply to {}: its role row for pair '{}' says fenced (epoch {}, fenced {}{}); a newer active "
      "exists. Reverse the pair with `galaxis-relay failback` instead",
      server, pair, record.epoch, when, by);
}

void refuse_unless_passive(Connection& target, const std::string& schema, const std::string& pair) {
  const std::optional<RoleRecord> record = RoleStore(schema, pair).load(target);
  if (!record || record->role == ServerRole::kPassive) return;
  throw Error(Error::Kind::kRuntime, fenced_target_message(target.display(), pair, *record));
}

}  // namespace galaxis::sql
