// galaxis/binlog/format_json.h — one JSON object per event (jsonl), the
// machine-readable output of `galaxis-relay binlog dump --format jsonl`.
//
// Every line has "file", "pos", "next_pos", "type" (event_type_name()),
// "ts" and "server_id"; events from inside a TRANSACTION_PAYLOAD also have
// "in_payload": true and carry the payload's positions. Row events add
// "db", "table", "table_id" and "rows": [{"after":[...]}, {"before":[...],
// "after":[...]}, {"before":[...]}], one value per column present, in
// column order. The value mapping (README.md, "binlog dump --format jsonl"):
//   NULL null; integers exact (unsigned up to 2^64-1); DECIMAL "-12.340";
//   FLOAT/DOUBLE numbers (FLOAT at its shortest float round-trip); DATE
//   "YYYY-MM-DD"; DATETIME/TIMESTAMP "YYYY-MM-DD HH:MM:SS[.ffffff]" (TIMESTAMP
//   in UTC, fraction digits = column precision); TIME "[-]HH:MM:SS[.ffffff]";
//   YEAR integer; text as a UTF-8 string converted from the column charset;
//   binary, unknown-charset-and-not-UTF-8 and invalid text {"base64":"..."};
//   ENUM 1-based index; SET and BIT integers; JSON the value itself; partial
//   JSON [{"op":"replace|insert|remove","path":"$.a","value":...}];
//   GEOMETRY {"base64":...} (SRID + WKB); VECTOR an array of numbers.
//
// JSON text is produced by nlohmann-json's serializer (strings escaped
// there); decoded JSON documents are embedded as they are after a validity
// check. Not thread-safe (caches iconv handles); one per thread. Never
// throws except std::bad_alloc.
#pragma once

#include <memory>
#include <string>

#include "galaxis/binlog/events.h"
#include "galaxis/binlog/format_location.h"

namespace galaxis::binlog {

class JsonFormatter {
 public:
  JsonFormatter();
  ~JsonFormatter();
  JsonFormatter(const JsonFormatter&) = delete;
  JsonFormatter& operator=(const JsonFormatter&) = delete;

  // Appends one line (a JSON object and '\n') for `event` to `out`.
  void append_event(const Event& event, const EventLocation& where, std::string& out);

  // Appends one row value as JSON (exposed for tests and other tools).
  void append_value(const Value& value, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace galaxis::binlog
