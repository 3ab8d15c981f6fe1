#include "galaxis/relay/prerequisites.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::relay {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// A global variable's value, or nullopt when the server does not know it.
std::optional<std::string> global_variable(ReplicationConnection& c, const std::string& name) {
  try {
    return c.query_value("SELECT @@global." + name);
  } catch (const ServerError& e) {
    if (e.code() == server_error::kUnknownSystemVariable) return std::nullopt;
    throw;
  }
}

}  // namespace

bool grants_include(const std::vector<std::string>& grant_lines, std::string_view privilege) {
  const std::string wanted = upper(std::string(privilege));
  for (const std::string& line : grant_lines) {
    const std::string u = upper(line);
    const size_t on = u.find(" ON *.* TO ");
    if (u.rfind("GRANT ", 0) != 0 || on == std::string::npos) continue;
    const std::string privileges = u.substr(6, on - 6);
    if (privileges.find("ALL PRIVILEGES") != std::string::npos) return true;
    if (privileges.find(wanted) != std::string::npos) return true;
  }
  return false;
}

uint32_t default_server_id() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  uint32_t hash = 2166136261u;  // FNV-1a
  for (const char* p = host; *p; ++p) hash = (hash ^ static_cast<uint8_t>(*p)) * 16777619u;
  return 0x47000000u | (hash & 0x00FFFFFFu);
}

MasterInfo inspect_master(ReplicationConnection& c, uint32_t our_server_id, bool check, bool check_other_replicas) {
  MasterInfo info;
  info.mariadb = c.is_mariadb();
  info.version = c.server().server_version;
  // MariaDB prefixes "5.5.5-" for old clients that compare major versions.
  if (info.version.rfind("5.5.5-", 0) == 0) info.version.erase(0, 6);
  const std::string log_bin = global_variable(c, "log_bin").value_or("0");
  info.binlog_format = upper(global_variable(c, "binlog_format").value_or("ROW"));
  info.binlog_checksum = upper(global_variable(c, "binlog_checksum").value_or("NONE"));
  info.server_id = static_cast<uint32_t>(std::stoul(global_variable(c, "server_id").value_or("0")));
  if (!info.mariadb) info.gtid_mode = upper(global_variable(c, "gtid_mode").value_or(""));
  if (!check) return info;

  if (log_bin != "1" && upper(log_bin) != "ON") {
    throw_error(Error::Kind::kServer,
                "binary logging is off on the master (log_bin=OFF): start it with --log-bin (and binlog_format=ROW), "
                "or copy the data with `galaxis-relay sync` instead of streaming");
  }
  if (info.binlog_format != "ROW") {
    throw_error(Error::Kind::kServer,
                "the master logs binlog_format={}, but the relay needs ROW: SET GLOBAL binlog_format=ROW and put "
                "binlog_format=ROW into its configuration",
                info.binlog_format);
  }
  if (info.server_id == our_server_id) {
    throw_error(Error::Kind::kUsage,
                "our server_id {} equals the master's server_id: choose another one with --server-id", our_server_id);
  }

  std::vector<std::string> grants;
  auto rs = c.query("SHOW GRANTS");
  for (auto& row : rs.rows) {
    if (!row.empty() && row[0]) grants.push_back(*row[0]);
  }
  const bool via_roles = std::any_of(grants.begin(), grants.end(), [](const std::string& g) {
    return upper(g).rfind("GRANT ", 0) == 0 && upper(g).find(" ON ") == std::string::npos;
  });
  const auto missing = [&](std::string_view what, std::string_view alt) {
    if (grants_include(grants, what) || (!alt.empty() && grants_include(grants, alt))) return;
    if (via_roles) {
      log::warn("relay: cannot see {} among the direct grants (it may come from a role)", what);
      return;
    }
    throw_error(Error::Kind::kAuth,
                "the replication user lacks {} on the master: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO "
                "the user galaxis-relay connects as",
                what);
  };
  missing("REPLICATION SLAVE", "");
  missing("REPLICATION CLIENT", "BINLOG MONITOR");

  if (check_other_replicas) {
    try {
      auto hosts = c.query(info.mariadb ? "SHOW SLAVE HOSTS" : "SHOW REPLICAS");
      const size_t id_column = hosts.column("Server_id");
      for (const auto& row : hosts.rows) {
        if (id_column < row.size() && row[id_column] && *row[id_column] == std::to_string(our_server_id)) {
          throw Error(Error::Kind::kUsage,
                      fmt::format("another replica with server_id {} is connected to the master (it would be "
                                  "disconnected): choose another --server-id",
                                  our_server_id))
              .set_condition(Error::Condition::kServerIdInUse);
        }
      }
    } catch (const ServerError& e) {
      // SHOW SLAVE HOSTS needs more privileges on some versions; the check is advisory.
      log::debug("relay: cannot list the master's replicas: {}", e.what());
    }
  }
  return info;
}

}  // namespace galaxis::relay
