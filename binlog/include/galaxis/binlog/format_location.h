// galaxis/binlog/format_location.h — where an event sits, for the text and
// jsonl formatters (format_text.h, format_json.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace galaxis::binlog {

struct EventLocation {
  std::string_view file;    // binlog file name as given (path or the server's name)
  uint64_t pos = 0;         // offset of the event; for events inside a TRANSACTION_PAYLOAD, the payload's
  uint64_t next_pos = 0;    // offset after the event (the payload's end for inner events)
  bool in_payload = false;  // the event came out of a TRANSACTION_PAYLOAD
};

}  // namespace galaxis::binlog
