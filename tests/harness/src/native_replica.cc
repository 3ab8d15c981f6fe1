#include "galaxis/testing/native_replica.h"

#include <map>
#include <memory>

#include "galaxis/common/error.h"

namespace galaxis::testing {
namespace {

std::map<Flavor, std::unique_ptr<Server>>& replicas() {
  static std::map<Flavor, std::unique_ptr<Server>> instance;  // destroyed at exit: stops the servers
  return instance;
}

std::string quoted(SqlConnection& c, const std::string& s) { return c.quote(s); }

std::string status_text(Server& replica) {
  const bool mysql = is_mysql(replica.flavor());
  SqlConnection c(replica.connect_options());
  SqlResult r = c.query_with_columns(mysql ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS");
  if (r.rows.empty()) return "(no replica status)";
  std::string out;
  for (size_t i = 0; i < r.columns.size(); ++i) {
    const std::string& name = r.columns[i];
    if (name.find("Error") == std::string::npos && name.find("Running") == std::string::npos &&
        name.find("Exec_") == std::string::npos && name.find("Pos") == std::string::npos) {
      continue;
    }
    out += name + "=" + r.rows[0][i].value_or("NULL") + "; ";
  }
  return out;
}

}  // namespace

Server& native_replica(Flavor flavor) {
  auto& all = replicas();
  if (auto it = all.find(flavor); it != all.end()) {
    if (!it->second->running()) it->second->start();
    return *it->second;
  }
  ServerOptions options;
  options.flavor = flavor;
  options.role = Role::kPassive;
  options.server_id = 3;
  auto server = std::make_unique<Server>(options);
  server->start();
  return *all.emplace(flavor, std::move(server)).first->second;
}

void replicate_natively(Server& replica, Server& master, const BinlogStatus& from, const NativeReplication& how) {
  const bool mysql = is_mysql(replica.flavor());
  const BinlogStatus to = master.binlog_status();
  SqlConnection c(replica.connect_options());
  // Wild table patterns, not REPLICATE_DO_DB: that one filters DDL by the
  // default database, and the tests' DDL names its tables qualified.
  std::string patterns;
  for (const std::string& db : how.databases) patterns += (patterns.empty() ? "" : ",") + db + ".%";
  if (mysql) {
    c.exec("STOP REPLICA; RESET REPLICA ALL");
    std::string filter;
    for (const std::string& db : how.databases) filter += (filter.empty() ? "" : ",") + quoted(c, db + ".%");
    c.exec("CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = (" + filter + ")");
    c.exec("CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + std::to_string(master.port()) +
           ", SOURCE_USER=" + quoted(c, how.user) + ", SOURCE_PASSWORD=" + quoted(c, how.password) +
           ", SOURCE_AUTO_POSITION=0, GET_SOURCE_PUBLIC_KEY=1, SOURCE_LOG_FILE=" + quoted(c, from.file) +
           ", SOURCE_LOG_POS=" + std::to_string(from.position));
    c.exec("START REPLICA");
  } else {
    c.exec("STOP SLAVE; RESET SLAVE ALL");
    c.exec("SET GLOBAL replicate_wild_do_table = " + quoted(c, patterns));
    c.exec("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + std::to_string(master.port()) +
           ", MASTER_USER=" + quoted(c, how.user) + ", MASTER_PASSWORD=" + quoted(c, how.password) +
           ", MASTER_USE_GTID=no, MASTER_LOG_FILE=" + quoted(c, from.file) +
           ", MASTER_LOG_POS=" + std::to_string(from.position));
    c.exec("START SLAVE");
  }
  const std::string wait = std::string(mysql ? "SELECT SOURCE_POS_WAIT(" : "SELECT MASTER_POS_WAIT(") +
                           quoted(c, to.file) + ", " + std::to_string(to.position) + ", " +
                           std::to_string(how.timeout_seconds) + ")";
  const std::string result = c.query_value(wait);
  if (result == "NULL" || result == "-1") {
    const std::string status = status_text(replica);
    c.exec(mysql ? "STOP REPLICA" : "STOP SLAVE");
    throw_error(Error::Kind::kRuntime, "native replica ({} port {}) did not reach {}:{} ({}): {}",
                flavor_name(replica.flavor()), replica.port(), to.file, to.position,
                result == "NULL" ? "replication stopped" : "timeout", status);
  }
  c.exec(mysql ? "STOP REPLICA" : "STOP SLAVE");
}

}  // namespace galaxis::testing
