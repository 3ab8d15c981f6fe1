#include "stream_replay.h"

#include <fmt/format.h>

#include "galaxis/relay/server_binlog_source.h"

namespace galaxis::testing {

ConnectionUrl loopback_url(Server& server, const std::string& user, const std::string& password) {
  ConnectionUrl url;
  url.user = user;
  url.host = "127.0.0.1";
  url.port = server.port();
  url.password = Secret(password);
  return url;
}

void ApplierConsumer::on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) {
  with_context([&] { return fmt::format("{}:{}", e.file, e.offset); }, [&] { applier_.apply(e.event); });
}

void ApplierConsumer::on_transaction_commit(const relay::TransactionInfo& t) {
  applier_.commit(t.end);
  ++transactions;
  if (after_commit) after_commit(t);
}

size_t stream_into_applier(const ConnectionUrl& source, uint32_t server_id, const binlog::BinlogPosition& from,
                           sql::TransactionApplier& applier,
                           std::function<void(const relay::TransactionInfo&)> after_commit) {
  relay::ServerSourceOptions options;
  options.url = source;
  options.non_blocking = true;
  options.server_id = server_id;
  options.heartbeat_period = std::chrono::milliseconds(1000);
  relay::ServerBinlogSource binlog_source(options);
  relay::StreamOptions stream_options;
  stream_options.reconnect = false;
  relay::ReplicationStream stream(binlog_source, stream_options);
  ApplierConsumer consumer(applier);
  consumer.after_commit = std::move(after_commit);
  relay::StartPosition start;
  start.file = from.file;
  start.offset = from.offset;
  stream.run(start, consumer);
  applier.flush();
  return consumer.transactions;
}

binlog::BinlogPosition binlog_position(Server& master) {
  const BinlogStatus status = master.binlog_status();
  binlog::BinlogPosition position;
  position.file = status.file;
  position.offset = status.position;
  position.gtid_executed = status.gtid_set;
  return position;
}

}  // namespace galaxis::testing
