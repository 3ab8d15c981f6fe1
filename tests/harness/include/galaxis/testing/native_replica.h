// galaxis/testing/native_replica.h — the server's own replication as an oracle.
//
// A test that wants to know what a native replica makes of a binlog points
// a third server (passive profile, server_id 3, run as root like every
// harness server) at the master with the flavour's own replication, from a
// given file/position, and waits until it executed everything the master
// has written so far:
//   MariaDB: CHANGE MASTER TO ... MASTER_USE_GTID=no, MASTER_LOG_FILE/POS;
//            replicate_wild_do_table via SET GLOBAL (the slave is stopped then)
//   MySQL:   CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=0,
//            SOURCE_LOG_FILE/POS, GET_SOURCE_PUBLIC_KEY=1;
//            CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE
// and waits with MASTER_POS_WAIT / SOURCE_POS_WAIT. The replica is stopped
// and reset before each use, so tests can share it.
//
// Errors: Error(kRuntime) naming the replica's Last_SQL_Error / Last_IO_Error
// when it stops or does not catch up within the timeout.
// Not thread-safe: call from the test's main thread.
#pragma once

#include <string>
#include <vector>

#include "galaxis/testing/server.h"

namespace galaxis::testing {

// One native replica per flavour per test binary (passive profile,
// server_id 3), started lazily and stopped at exit like shared_server().
Server& native_replica(Flavor flavor);

struct NativeReplication {
  std::string user;  // a REPLICATION SLAVE account on the master
  std::string password;
  std::vector<std::string> databases;  // replicate only these (empty: everything)
  unsigned timeout_seconds = 60;
};

// Replicates master's binlog from `from` (file and position) up to the
// master's current end into `replica`, then stops the replica's threads.
void replicate_natively(Server& replica, Server& master, const BinlogStatus& from, const NativeReplication& how);

}  // namespace galaxis::testing
