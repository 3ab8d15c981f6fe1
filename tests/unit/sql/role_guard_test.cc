// The relay's refusal message names server, pair, role, epoch and when.
#include "galaxis/sql/role_guard.h"

#include <gtest/gtest.h>

namespace galaxis::sql {
namespace {

TEST(RoleGuard, MessageNamesServerPairEpochAndWhen) {
  RoleRecord record;
  record.role = ServerRole::kActive;
  record.epoch = 3;
  record.changed_at = "2026-12-05 11:02:03.456789";
  record.changed_by = "db2 galaxis-relay promote";
  const std::string active = fenced_target_message("relay@db2:3306", "main", record);
  EXPECT_EQ(active.rfind("refusing to apply to relay@db2:3306: its role row for pair 'main' says active (epoch 3, "
                         "promoted at 2026-12-05 11:02:03.456789 UTC by db2 galaxis-relay promote)",
                         0),
            0u)
      << active;
  record.role = ServerRole::kFenced;
  record.changed_at.clear();
  const std::string fenced = fenced_target_message("relay@db1:3306", "main", record);
  EXPECT_NE(fenced.find("says fenced (epoch 3, fenced at an unknown time by db2"), std::string::npos) << fenced;
}

}  // namespace
}  // namespace galaxis::sql
