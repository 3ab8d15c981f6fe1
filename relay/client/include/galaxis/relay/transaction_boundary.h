// galaxis/relay/transaction_boundary.h — where source transactions begin
// and end in a row-based binlog stream.
//
// A transaction ("event group") starts at a GTID event (MySQL GTID /
// ANONYMOUS_GTID / GTID_TAGGED, MariaDB GTID) or, without GTIDs, at QUERY
// "BEGIN". It ends at XID, at QUERY "COMMIT"/"ROLLBACK", at XA_PREPARE, or
// — for a statement not wrapped in BEGIN (DDL, MariaDB standalone groups) —
// at that QUERY itself. FORMAT_DESCRIPTION, ROTATE, PREVIOUS_GTIDS,
// GTID_LIST, BINLOG_CHECKPOINT, HEARTBEAT, STOP are control events outside
// any transaction. Pure; thread-safe.
#pragma once

#include "galaxis/binlog/events.h"

namespace galaxis::relay {

enum class EventRole {
  kControl,    // outside transactions: advances the position only
  kBeginGtid,  // a GTID event: a transaction starts, BEGIN or a statement follows
  kBegin,      // QUERY BEGIN (after a GTID event it is part of that transaction)
  kPart,       // inside a transaction (TABLE_MAP, ROWS, ANNOTATE, INTVAR, ...)
  kCommit,     // ends the open transaction (XID, COMMIT, ROLLBACK, XA PREPARE)
  kStatement,  // a whole statement: ends a GTID-opened group that had no BEGIN,
               // or is a transaction of its own without GTIDs
  kPayload,    // TRANSACTION_PAYLOAD: classify its inner events
};

// `after_begin`: a BEGIN was seen in the open transaction.
EventRole classify_event(const binlog::Event& event, bool after_begin);

}  // namespace galaxis::relay
