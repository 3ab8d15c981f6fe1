#include "apply_support.h"

#include "galaxis/relay/server_binlog_source.h"

namespace galaxis::testing {

void ensure_users(Server& master, Server& passive) {
  if (master.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kSourceUser + "'") == "0") {
    master.create_user(kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  }
  if (passive.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kTargetUser + "'") == "0") {
    passive.create_user(kTargetUser, kTargetPassword, kTargetGrants);
  }
}

ConnectionUrl user_url(Server& server, const std::string& user, const std::string& password) {
  ConnectionUrl url;
  url.user = user;
  url.host = "127.0.0.1";
  url.port = server.port();
  url.password = Secret(password);
  return url;
}

sql::Connection target_connection(Server& passive) {
  return sql::Connection(user_url(passive, kTargetUser, kTargetPassword));
}

std::unique_ptr<sql::Applier> make_applier(Server& passive, sql::ApplierOptions options) {
  return std::make_unique<sql::Applier>(target_connection(passive), std::move(options));
}

void ApplierConsumer::on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) {
  with_context(fmt::format("{}:{}", e.file, e.offset), [&] { applier_.apply(e.event); });
}

void ApplierConsumer::on_transaction_commit(const relay::TransactionInfo& t) {
  applier_.commit(t.end);
  ++transactions;
  if (after_commit) after_commit(t);
}

size_t replay(Server& master, const binlog::BinlogPosition& from, sql::Applier& applier,
              std::function<void(const relay::TransactionInfo&)> after_commit) {
  relay::ServerSourceOptions options;
  options.url = user_url(master, kSourceUser, kSourcePassword);
  options.non_blocking = true;
  options.server_id = 5151;
  options.heartbeat_period = std::chrono::milliseconds(1000);
  relay::ServerBinlogSource source(options);
  relay::StreamOptions stream_options;
  stream_options.reconnect = false;
  relay::ReplicationStream stream(source, stream_options);
  ApplierConsumer consumer(applier);
  consumer.after_commit = std::move(after_commit);
  relay::StartPosition start;
  start.file = from.file;
  start.offset = from.offset;
  stream.run(start, consumer);
  applier.flush();
  return consumer.transactions;
}

binlog::BinlogPosition master_position(Server& master) {
  BinlogStatus status = master.binlog_status();
  binlog::BinlogPosition position;
  position.file = status.file;
  position.offset = status.position;
  return position;
}

}  // namespace galaxis::testing
