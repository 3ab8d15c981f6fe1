// galaxis/binlog/format_text.h — a readable listing of decoded events, in
// the spirit of `mariadb-binlog --verbose`.
//
// One block per event:
//   # at 1234
//   #2026-11-26 01:24:24 UTC server id 1  end_log_pos 1300  write_rows  table_id 17 flags STMT_END
//   ### INSERT INTO `db`.`t`
//   ### SET
//   ###   @1=42 /* id */
//   ###   @2='it''s' /* name */
// Row values: integers and decimals bare, strings/temporal values quoted
// with backslash escapes for quote, backslash and control bytes (other
// bytes are printed raw, as mariadb-binlog does), TIMESTAMP as UTC text,
// BIT as b'0101', GEOMETRY as x'hex', NULL as NULL. The column name follows
// in a comment when the table map carries names. The format is for people;
// machines should read jsonl (format_json.h).
//
// Pure: appends to a caller-owned string, no I/O. Thread-safe (no state).
// Never throws except std::bad_alloc.
#pragma once

#include <string>

#include "galaxis/binlog/events.h"
#include "galaxis/binlog/format_location.h"

namespace galaxis::binlog {

// Appends the block for `event` (ending with a newline) to `out`.
void append_event_text(const Event& event, const EventLocation& where, std::string& out);

// Appends one row value as the text listing prints it (exposed for tests).
void append_value_text(const Value& value, std::string& out);

}  // namespace galaxis::binlog
