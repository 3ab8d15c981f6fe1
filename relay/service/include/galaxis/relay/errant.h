// galaxis/relay/errant.h — errant transactions after a promotion: what the
// old active committed after the position the new active had applied when
// it was promoted (RoleRecord::promoted_source on the new active), which the
// new active therefore never received. `galaxis-relay failback` lists them
// and refuses until they are dealt with.
//
// How they are found:
//  - The old active's binlog is read over the replication protocol
//    (ServerBinlogSource, non-blocking, so it ends at the last event) from
//    the promotion position, decoded with the relay's own decoder: every
//    committed transaction there is errant — the relay applied exactly up to
//    that position. Each one is listed with its file:pos range, its GTID
//    when the server logs GTIDs, the tables it changed with row counts
//    (rows events), and any other statement (DDL) it ran.
//  - With GTIDs the sets are compared as well: the old active's GTID state
//    now (MySQL @@gtid_executed, MariaDB @@gtid_binlog_pos) against the
//    promotion's; a transaction whose GTID the promotion's set already
//    contains is not errant (it was applied before the promotion). Both sets
//    are reported.
// Reading needs REPLICATION SLAVE (and REPLICATION CLIENT / BINLOG MONITOR)
// on the old active — the relay's former source account has them.
//
// Errors: galaxis::Error from the source (a purged promotion position is
// PositionPurgedError: then only a checksum sync can tell, and failback says
// so). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "galaxis/binlog/position.h"
#include "galaxis/common/url.h"
#include "galaxis/sql/filter.h"

namespace galaxis::relay {

struct ErrantTransaction {
  std::string gtid;  // "" without GTIDs
  binlog::BinlogPosition begin;
  binlog::BinlogPosition end;
  std::map<std::string, uint64_t> rows;  // "db.table" → rows changed
  std::vector<std::string> statements;   // non-row statements (DDL), truncated
  uint64_t total_rows() const;
};

struct ErrantReport {
  binlog::BinlogPosition from;                  // the promotion position read from
  binlog::BinlogPosition old_end;               // the old active's binlog end when read
  std::string promoted_gtid;                    // GTID state at promotion ("" without GTIDs)
  std::string old_gtid;                         // the old active's GTID state now
  std::vector<ErrantTransaction> transactions;  // in binlog order
  uint64_t skipped_known = 0;                   // read but already in the promotion's GTID set
  uint64_t ignored = 0;                         // only outside the filter / on the checkpoint schema
};

// Whether the promotion's GTID state (MariaDB "d-s-n,..." or a MySQL set)
// already contains `gtid` ("d-s-n" or "uuid[:tag]:n"). False for "" inputs.
bool gtid_covered(const std::string& promoted_gtid, const std::string& gtid);

// Only what the pair replicates can be errant: row changes of tables the
// relay's filter includes, and statements (DDL) except those on the
// checkpoint schema (role/checkpoint rows — promote writes the old active's
// role row there — are never relayed) or with a default database the filter
// excludes. A DDL whose tables cannot be told from its text is listed (the
// safe side). A transaction with nothing left is not errant (counted in
// ErrantReport::ignored).
struct ErrantOptions {
  sql::FilterOptions filter;
  std::string checkpoint_schema = "galaxis_relay";
  uint32_t server_id = 0;  // replica id for reading the binlog; 0: derived
};

ErrantReport find_errant_transactions(const ConnectionUrl& old_active, const binlog::BinlogPosition& promotion,
                                      const ErrantOptions& options = {});

// One line per transaction: "  binlog.000003:1234 .. binlog.000003:1890 gtid 0-1-57: db.t 3 rows, db.u 1 row".
std::string render_errant(const ErrantReport& report);

}  // namespace galaxis::relay
