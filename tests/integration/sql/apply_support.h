// Helpers for the applier integration tests: the restricted users, an
// Applier on the passive, and the real path master → relay stream
// (ReplicationStream over the replication protocol, non-blocking so it ends
// at the master's last event) → Applier.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "../support/stream_replay.h"
#include "galaxis/relay/replication_stream.h"
#include "galaxis/sql/applier.h"
#include "galaxis/sql/parallel_applier.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {

inline constexpr const char* kSourceUser = "sql_repl";
inline constexpr const char* kSourcePassword = "s0urce 'pass";
inline constexpr const char* kTargetUser = "sql_target";
inline constexpr const char* kTargetPassword = "t@rget \"pass";
// What managed hosting gives the relay on the passive: no SUPER, no replica rights.
inline constexpr const char* kTargetGrants =
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE VIEW, TRIGGER ON *.*";

void ensure_users(Server& master, Server& passive);
inline ConnectionUrl user_url(Server& server, const std::string& user, const std::string& password) {
  return loopback_url(server, user, password);
}
sql::Connection target_connection(Server& passive);
std::unique_ptr<sql::Applier> make_applier(Server& passive, sql::ApplierOptions options);
// `run`'s shape over one database: 4 workers, compaction, `db` copied into
// `db`_copy on the passive (stream name `db`).
std::unique_ptr<sql::ParallelApplier> make_parallel_copy(Server& passive, const std::string& db);

// Streams the master's binlog from `from` to its current end into the
// applier, then flushes. Returns the consumer's transaction count.
size_t replay(Server& master, const binlog::BinlogPosition& from, sql::TransactionApplier& applier,
              std::function<void(const relay::TransactionInfo&)> after_commit = {});

inline binlog::BinlogPosition master_position(Server& master) { return binlog_position(master); }

// The fixture of the sql integration tests: the flavour's shared master and
// passive (skipped loudly when the flavour is unavailable), with the
// restricted users in place.
class MasterPassiveTest : public ::testing::TestWithParam<Flavor> {
 protected:
  void SetUp() override {
    GALAXIS_REQUIRE_FLAVOR(GetParam());
    master_ = &shared_server(GetParam(), Role::kMaster);
    passive_ = &shared_server(GetParam(), Role::kPassive);
    ensure_users(*master_, *passive_);
  }

  Server* master_ = nullptr;
  Server* passive_ = nullptr;
};

}  // namespace galaxis::testing
