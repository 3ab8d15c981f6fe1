// galaxis/binlog/event_dumper.h — decode raw events and print them as text
// or jsonl into a buffer that is handed to a sink in large chunks.
//
// The engine behind `galaxis-relay binlog dump`. It knows nothing about
// where bytes come from: the CLI feeds it events from BinlogFileReader, and
// a network source (`--source URL`) can feed it events from the replication
// protocol the same way — call begin_stream() once per file or stream, then
// dump_events() with any "next raw event" function (or dump_event() per
// event). Events inside a TRANSACTION_PAYLOAD are expanded and printed after
// the payload event, with the payload's positions.
//
// Errors: decoding errors propagate as galaxis::Error naming the stream and
// the event offset (the decoder's message). Output produced before the
// error has been handed to the sink when the exception leaves, so a
// failure shows the events up to the bad one. Exceptions thrown by the sink
// propagate unchanged.
//
// Not thread-safe. Memory: the output buffer (flushed at `flush_bytes`) plus
// the largest event and its decoded form.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/file_reader.h"

namespace galaxis::binlog {

enum class DumpFormat {
  kText,   // format_text.h
  kJsonl,  // format_json.h
  kNone,   // decode everything (rows included), print nothing: throughput measurement
};

// "text", "jsonl", "none"; throws Error(kUsage) otherwise.
DumpFormat parse_dump_format(std::string_view name);

struct DumpOptions {
  DumpFormat format = DumpFormat::kText;
  bool verify_checksums = true;
  size_t flush_bytes = size_t{4} << 20;  // hand output to the sink in chunks of about this size
  // For a live stream: after a ROTATE event, name the following events by
  // its next file (a file on disk keeps its own name).
  bool follow_rotate = false;
};

// Events printed before stopping: [start, stop). 0 / max mean "no bound".
struct DumpRange {
  uint64_t start = 0;
  uint64_t stop = UINT64_MAX;
};

struct DumpStats {
  uint64_t events = 0;        // top-level events decoded
  uint64_t inner_events = 0;  // events decoded from inside transaction payloads
  uint64_t bytes = 0;         // top-level event bytes decoded
  uint64_t row_changes = 0;   // rows of row events (inner included)
};

// A source of raw events: the next one, or nullopt at the end.
using RawEventSource = std::function<std::optional<RawEvent>()>;

class EventDumper {
 public:
  using Sink = std::function<void(std::string_view)>;

  EventDumper(DumpOptions options, Sink sink);
  ~EventDumper();
  EventDumper(const EventDumper&) = delete;
  EventDumper& operator=(const EventDumper&) = delete;

  // Starts a new file or stream named `name` (shown in output and errors)
  // with a fresh decoder: its first event should be its FORMAT_DESCRIPTION.
  void begin_stream(std::string name);

  // Decodes one event at `offset`; prints it (and a payload's inner events)
  // when `print` is true. Events before a range start are fed with print
  // false so the decoder still sees the FDE.
  void dump_event(std::span<const uint8_t> bytes, uint64_t offset, bool print = true);

  // Feeds every event of `next` until it ends or an event starts at or
  // after range.stop (returns true then: the stop position was reached).
  // Events starting before range.start are decoded but not printed.
  bool dump_events(const RawEventSource& next, const DumpRange& range);

  // Hands buffered output to the sink.
  void flush();

  const DumpStats& stats() const { return stats_; }
  const std::string& stream_name() const { return name_; }

 private:
  void print(const Event& event, uint64_t pos, uint64_t next_pos, bool in_payload);

  struct Formatters;
  DumpOptions options_;
  Sink sink_;
  std::string name_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<Formatters> formatters_;
  std::string buffer_;
  DumpStats stats_;
};

}  // namespace galaxis::binlog
