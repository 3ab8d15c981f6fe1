// Shared by the sql and sync integration tests: the path `run` takes —
// master → ReplicationStream (replication protocol, non-blocking, so it ends
// at the master's last event) → Applier on the passive — without the daemon.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "galaxis/binlog/position.h"
#include "galaxis/common/url.h"
#include "galaxis/relay/replication_stream.h"
#include "galaxis/sql/applier.h"
#include "galaxis/testing/harness.h"

namespace galaxis::testing {

// mysql://user@127.0.0.1:<server port> with the password set.
ConnectionUrl loopback_url(Server& server, const std::string& user, const std::string& password);

// Routes a ReplicationStream's transactions and control events into an Applier.
class ApplierConsumer : public relay::TransactionConsumer {
 public:
  explicit ApplierConsumer(sql::TransactionApplier& applier) : applier_(applier) {}
  void on_transaction_begin(const relay::TransactionInfo&) override { applier_.begin(); }
  void on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) override;
  void on_transaction_commit(const relay::TransactionInfo& t) override;
  void on_transaction_abort(const relay::TransactionInfo&, const Error&) override { applier_.abort(); }
  void on_control_event(const relay::StreamEvent& e) override { applier_.observe_control_event(e.event); }
  // Called after each source transaction was handed to the applier.
  std::function<void(const relay::TransactionInfo&)> after_commit;
  size_t transactions = 0;

 private:
  sql::TransactionApplier& applier_;
};

// Streams the source's binlog from `from` to its current end into `applier`
// as replica `server_id`, then flushes. Returns source transactions applied.
size_t stream_into_applier(const ConnectionUrl& source, uint32_t server_id, const binlog::BinlogPosition& from,
                           sql::TransactionApplier& applier,
                           std::function<void(const relay::TransactionInfo&)> after_commit = {});

// The master's current binlog file, offset and GTID set.
binlog::BinlogPosition binlog_position(Server& master);

}  // namespace galaxis::testing
