// galaxis/relay/binlog_history.h — does the master's binlog still reach back
// to its first transaction? Decides what `run` does on a first start when
// no --initial is given: replay the binlog from the start (it holds every
// change) or copy a consistent snapshot first (it does not).
//
// Evidence, by what the restricted source user (REPLICATION SLAVE,
// REPLICATION CLIENT, SELECT) can read:
//   * MariaDB: BINLOG_GTID_POS(oldest file, 4) is the GTID_LIST the oldest
//     binlog starts with, i.e. the binlog state before it. Empty means no
//     transaction was ever binlogged before that file (purged files held
//     none), non-empty means earlier transactions are gone.
//   * MySQL with gtid_mode=ON: @@GLOBAL.gtid_purged lists the transactions
//     executed but no longer in any binlog (purged, or set by a restore);
//     empty means the binlog holds everything.
//   * MySQL with GTIDs off: only the file name is left; the oldest file
//     must be the first one (index 000001).
// What no query can show: data that existed before log_bin was switched on
// (the binlog then starts "complete" but the tables are not empty). That is
// why a snapshot is the operator's choice (--initial snapshot) and this is
// only the default.
//
// Errors: galaxis::Error from the connections. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "galaxis/common/url.h"
#include "galaxis/relay/pipeline.h"
#include "galaxis/sql/connection.h"

namespace galaxis::relay {

struct BinlogHistory {
  bool complete = true;
  std::string reason;  // why, naming the file/GTIDs, for the log
};

// Pure: the judgement from what the master reported. `oldest_file` "" when
// the binlog is off or empty (then nothing can be streamed anyway: complete,
// and the stream reports the real problem).
struct BinlogHistoryFacts {
  bool mariadb = true;
  std::string oldest_file;
  std::string gtid_list_of_oldest;  // MariaDB
  bool gtid_mode_on = false;        // MySQL
  std::string gtid_purged;          // MySQL
};
BinlogHistory judge_binlog_history(const BinlogHistoryFacts& facts);

// Reads the facts from the master and judges them.
BinlogHistory inspect_binlog_history(sql::Connection& source);

// `run` without --initial: kSnapshot when the stream has no checkpoint on
// the target (or an interrupted snapshot copy) and the binlog is not
// complete, else kFromStart (which the pipeline ignores when a checkpoint
// exists). Logs the choice and why. Connects to both servers (urls with
// passwords); creates nothing on the target.
InitialPosition default_initial_position(const ConnectionUrl& source, const ConnectionUrl& target,
                                         const std::string& checkpoint_schema, const std::string& stream);

}  // namespace galaxis::relay
