// galaxis/testing/server.h — real database servers for integration tests.
//
// A Server is one mysqld/mariadbd child process listening on a free
// 127.0.0.1 port with a throw-away datadir copied from a cached, freshly
// initialised "pristine" datadir (so a start takes about a second). Chroot
// flavours (see flavor.h) keep their datadir inside the chroot, because the
// server sees only the chroot; datadir_host_path() and binlog_files() give
// the host-side paths.
//
// Profiles:
//   kMaster:  log_bin, binlog_format=ROW, binlog_row_image=FULL, server_id,
//             binlog_checksum=CRC32, GTID (MySQL: gtid_mode=ON +
//             enforce_gtid_consistency), sync_binlog=0,
//             innodb_flush_log_at_trx_commit=2, small buffer pool.
//   kPassive: the same without a binlog.
// ServerOptions::extra_args are appended last, so they override the profile.
//
// Lifetime: the constructor only prepares; start() (or shared_server) runs
// it. The destructor stops the process (by PID: SIGTERM, then SIGKILL after
// a timeout) and removes the datadir — unless the current test or the test
// binary has failed, or GALAXIS_KEEP_DATADIRS=1: then the datadir is kept
// and its path plus the error log's tail are printed to stderr.
// The child dies with the test process (PR_SET_PDEATHSIG), so create
// servers from the main (gtest) thread.
//
// Errors: every failure throws galaxis::Error naming the flavour, port and
// what to do; a server that does not come up within the timeout throws with
// the tail of its error log. Nothing blocks without a timeout.
//
// Thread-safety: a Server is not thread-safe; its SQL helpers use one
// internal connection. Open your own SqlConnection per thread instead
// (connect_options()).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/testing/flavor.h"
#include "galaxis/testing/sql_connection.h"

namespace galaxis::testing {

enum class Role { kMaster, kPassive };

struct ServerOptions {
  Flavor flavor = Flavor::kMariaDB1011;
  Role role = Role::kMaster;
  uint32_t server_id = 1;
  std::vector<std::string> extra_args;  // e.g. "--binlog-row-image=MINIMAL"
  unsigned start_timeout_seconds = 60;
};

// The master's current write position, from SHOW MASTER STATUS (MariaDB) or
// SHOW BINARY LOG STATUS (MySQL) plus @@gtid_binlog_pos / @@gtid_executed.
struct BinlogStatus {
  std::string file;  // e.g. "binlog.000001"
  uint64_t position = 0;
  std::string gtid_set;  // MariaDB "0-1-5", MySQL "uuid:1-5" ("" when none)
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the datadir on first start (copy of the pristine one), picks a
  // free port (retrying on a clash) and waits until SQL connects.
  void start();
  // Clean shutdown (SIGTERM), SIGKILL after 30 s; waits until the PID is gone.
  void stop();
  // SIGKILL and wait until the PID is gone (crash simulation; datadir kept).
  void kill9();
  // stop() (if running) + start() on the same datadir and port when possible.
  void restart();
  bool running() const;
  pid_t pid() const;  // 0 when not running

  uint16_t port() const;
  std::string host() const { return "127.0.0.1"; }
  Flavor flavor() const;
  Role role() const;
  uint32_t server_id() const;
  std::string version() const;  // SELECT VERSION(), cached after first start

  std::string url(const std::string& user = "root") const;  // mysql://root@127.0.0.1:PORT
  SqlConnectOptions connect_options(const std::string& user = "root", const std::string& password = "") const;
  SqlConnection connect(const std::string& user = "root", const std::string& password = "") const;

  std::string datadir_host_path() const;    // as seen from the host
  std::string datadir_server_path() const;  // as seen by the server (inside its chroot)
  std::string error_log_path() const;       // host path
  std::string error_log_tail(size_t lines = 30) const;

  // Host paths of the binlog files in order (SHOW BINARY LOGS mapped to the datadir).
  std::vector<std::string> binlog_files();
  BinlogStatus binlog_status();

  // SQL as root over the server's internal connection (reconnects after restart).
  void exec(const std::string& sql);
  SqlRows query(const std::string& sql);
  std::string query_value(const std::string& sql);

  // Runs the flavour's own binlog tool (mariadb-binlog / mysqlbinlog inside
  // the chroot) with `args`; arguments that are host paths under the chroot
  // are mapped to the server's view. Returns stdout; throws Error(kRuntime)
  // with stderr on a non-zero exit. 120 s timeout.
  std::string run_binlog_tool(const std::vector<std::string>& args) const;

  // CREATE USER user@'%' IDENTIFIED BY password; GRANT grants TO it.
  // grants e.g. "REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.*" or "ALL ON db.*".
  void create_user(const std::string& user, const std::string& password, const std::string& grants);

  // Keep the datadir even when everything passed (e.g. to inspect by hand).
  void keep_datadir();
  // Remove the datadir at destruction even after a failed start (for tests
  // that make a start fail on purpose). A failing test still keeps it.
  void discard_datadir();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One server per (flavour, role) per test binary, started lazily on first
// use, stopped at exit. Shared servers must be treated as dirty: use your own
// database names. Throws like Server::start(); check availability first
// (GALAXIS_REQUIRE_FLAVOR). server_id is 1 for masters, 2 for passives.
// A shared server that was stopped or died is started again (same datadir).
// Not thread-safe: call from the test's main thread.
Server& shared_server(Flavor flavor, Role role);

// Stops all shared servers now (also runs automatically at exit).
void stop_shared_servers();

// Runs a program with a timeout, capturing stdout and stderr. Throws
// Error(kRuntime) when it cannot be started or exceeds the timeout (it is
// then killed). Exposed for tests that drive the CLI binary.
struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};
ProcessResult run_process(const std::vector<std::string>& argv, unsigned timeout_seconds = 120,
                          const std::string& stdin_data = "");

// Binds 127.0.0.1:0 and releases it: the kernel's idea of a free port for a
// listener the test starts next. Another process may take it in between;
// callers that can, retry on a clash. Throws Error(kRuntime).
uint16_t free_loopback_port();

}  // namespace galaxis::testing
