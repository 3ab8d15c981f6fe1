// galaxis/relay/drain_rule.h — when `promote`'s drain is done: the relay has
// applied everything the old master committed up to its final position (read
// after the fence). Pure functions; the caller reads the checkpoint, the
// master's position and (for rule 2) SHOW BINLOG EVENTS.
//
// Drained when either exact rule holds (promote reports both):
//  1. GTID containment — applies when the master's GTID state is non-empty:
//     MySQL: the checkpoint's gtid_set contains every GTID of the master's
//       gtid_executed (SHOW BINARY LOG STATUS Executed_Gtid_Set).
//     MariaDB: for every replication domain in the master's gtid_binlog_pos
//       the checkpoint holds a GTID of that domain with a sequence number at
//       or above the master's (sequence numbers grow within a domain).
//     File names and offsets play no part, so a rotation changes nothing.
//  2. Position — the applied position is at or past the final position (file
//     number, then offset), or every binlog event between them is one that
//     carries no transaction: Format_desc, Previous_gtids, Rotate,
//     Gtid_list, Binlog_checkpoint, Stop, Start_encryption — what FLUSH
//     BINARY LOGS or a restart writes. The events (SHOW BINLOG EVENTS from the
//     applied position on, then each later file from its start) must be one
//     contiguous listing that reaches the final position: each event starts
//     where the previous ended, a file is left only after its Rotate (or
//     Stop), and the listing of the final file reaches its offset. A gap, a
//     truncated listing or any other event type (Gtid, Query, Xid, rows, ...)
//     means not drained.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/binlog/position.h"

namespace galaxis::relay {

struct DrainRuleResult {
  bool applies = false;  // rule 1 only: false when the master has no GTID state
  bool drained = false;
  std::string detail;  // why, naming positions / GTIDs
};

// Rule 1. `applied` is the checkpoint's gtid_set, `master` the master's
// state, both in the flavour's text form (MySQL "uuid:1-5", MariaDB "0-1-5,1-2-7").
DrainRuleResult gtid_drained(std::string_view applied, std::string_view master);

// One row of SHOW BINLOG EVENTS.
struct BinlogEventRow {
  std::string file;
  uint64_t pos = 0;
  std::string type;  // Event_type, e.g. "Rotate", "Gtid", "Xid"
  uint64_t end_log_pos = 0;
};

// Whether an Event_type carries no transaction (the list in rule 2).
bool is_non_transaction_event(std::string_view type);

// Rule 2. `events` is the listing from `applied` on (may be empty when the
// applied position is at or past `final`).
DrainRuleResult position_drained(const binlog::BinlogPosition& applied, const binlog::BinlogPosition& final,
                                 const std::vector<BinlogEventRow>& events);

}  // namespace galaxis::relay
