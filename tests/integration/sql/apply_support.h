// Helpers for the applier integration tests: the restricted users, an
// Applier on the passive, and the real path master → relay stream
// (ReplicationStream over the replication protocol, non-blocking so it ends
// at the master's last event) → Applier.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "galaxis/relay/replication_stream.h"
#include "galaxis/sql/applier.h"
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
ConnectionUrl user_url(Server& server, const std::string& user, const std::string& password);
sql::Connection target_connection(Server& passive);
std::unique_ptr<sql::Applier> make_applier(Server& passive, sql::ApplierOptions options);

// Routes a ReplicationStream's transactions into an Applier.
class ApplierConsumer : public relay::TransactionConsumer {
 public:
  explicit ApplierConsumer(sql::Applier& applier) : applier_(applier) {}
  void on_transaction_begin(const relay::TransactionInfo&) override { applier_.begin(); }
  void on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) override;
  void on_transaction_commit(const relay::TransactionInfo& t) override;
  void on_transaction_abort(const relay::TransactionInfo&, const Error&) override { applier_.abort(); }
  void on_control_event(const relay::StreamEvent& e) override { applier_.observe_control_event(e.event); }
  // Called after each source transaction was handed to the applier.
  std::function<void(const relay::TransactionInfo&)> after_commit;
  size_t transactions = 0;

 private:
  sql::Applier& applier_;
};

// Streams the master's binlog from `from` to its current end into the
// applier, then flushes. Returns the consumer's transaction count.
size_t replay(Server& master, const binlog::BinlogPosition& from, sql::Applier& applier,
              std::function<void(const relay::TransactionInfo&)> after_commit = {});

binlog::BinlogPosition master_position(Server& master);

}  // namespace galaxis::testing
