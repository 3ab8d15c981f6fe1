#include "apply_support.h"

namespace galaxis::testing {

void ensure_users(Server& master, Server& passive) {
  if (master.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kSourceUser + "'") == "0") {
    master.create_user(kSourceUser, kSourcePassword, "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*");
  }
  if (passive.query_value(std::string("SELECT COUNT(*) FROM mysql.user WHERE user = '") + kTargetUser + "'") == "0") {
    passive.create_user(kTargetUser, kTargetPassword, kTargetGrants);
  }
}

sql::Connection target_connection(Server& passive) {
  return sql::Connection(user_url(passive, kTargetUser, kTargetPassword));
}

std::unique_ptr<sql::Applier> make_applier(Server& passive, sql::ApplierOptions options) {
  return std::make_unique<sql::Applier>(target_connection(passive), std::move(options));
}

std::unique_ptr<sql::ParallelApplier> make_parallel_copy(Server& passive, const std::string& db) {
  sql::ParallelApplierOptions p;
  p.applier.stream = db;
  p.applier.compact_rows = true;
  p.applier.filter.include = {db};
  p.applier.filter.rename_db = {{db, db + "_copy"}};
  p.workers = 4;
  return std::make_unique<sql::ParallelApplier>([&passive] { return target_connection(passive); }, std::move(p));
}

size_t replay(Server& master, const binlog::BinlogPosition& from, sql::TransactionApplier& applier,
              std::function<void(const relay::TransactionInfo&)> after_commit) {
  return stream_into_applier(user_url(master, kSourceUser, kSourcePassword), 5151, from, applier,
                             std::move(after_commit));
}

}  // namespace galaxis::testing
