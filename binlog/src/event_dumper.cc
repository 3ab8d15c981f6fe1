#include "galaxis/binlog/event_dumper.h"

#include <utility>

#include "galaxis/binlog/format_json.h"
#include "galaxis/binlog/format_text.h"
#include "galaxis/binlog/payload.h"
#include "galaxis/common/error.h"

namespace galaxis::binlog {

DumpFormat parse_dump_format(std::string_view name) {
  if (name == "text") return DumpFormat::kText;
  if (name == "jsonl") return DumpFormat::kJsonl;
  if (name == "none") return DumpFormat::kNone;
  throw_error(Error::Kind::kUsage, "unknown dump format '{}' (expected text, jsonl or none)", name);
}

struct EventDumper::Formatters {
  JsonFormatter json;
};

EventDumper::EventDumper(DumpOptions options, Sink sink)
    : options_(options), sink_(std::move(sink)), formatters_(std::make_unique<Formatters>()) {
  buffer_.reserve(options_.flush_bytes + (options_.flush_bytes >> 2));
}

EventDumper::~EventDumper() = default;

void EventDumper::begin_stream(std::string name) {
  name_ = std::move(name);
  DecoderOptions decoder_options;
  decoder_options.verify_checksums = options_.verify_checksums;
  decoder_options.decode_rows = true;
  decoder_options.source_name = name_;
  decoder_ = std::make_unique<Decoder>(std::move(decoder_options));
}

void EventDumper::print(const Event& event, uint64_t pos, uint64_t next_pos, bool in_payload) {
  const EventLocation where{name_, pos, next_pos, in_payload};
  switch (options_.format) {
    case DumpFormat::kText:
      append_event_text(event, where, buffer_);
      buffer_.push_back('\n');
      break;
    case DumpFormat::kJsonl: formatters_->json.append_event(event, where, buffer_); break;
    case DumpFormat::kNone: break;
  }
  if (buffer_.size() >= options_.flush_bytes) flush();
}

void EventDumper::dump_event(std::span<const uint8_t> bytes, uint64_t offset, bool print_it) {
  if (!decoder_) begin_stream(name_);
  Event event;
  try {
    event = decoder_->decode(bytes, offset);
  } catch (...) {
    flush();
    throw;
  }
  ++stats_.events;
  stats_.bytes += bytes.size();
  // Some relay logs and all inner events have log_pos 0: derive the end.
  const uint64_t next_pos = event.header.next_position != 0 ? event.header.next_position : offset + bytes.size();
  if (const auto* rows = event.as<RowsEvent>()) stats_.row_changes += rows->rows.size();
  if (print_it) print(event, offset, next_pos, false);

  if (const auto* payload = event.as<TransactionPayloadEvent>()) {
    try {
      TransactionPayloadReader reader(*payload, offset);
      while (auto inner = reader.next()) {
        Event inner_event = decoder_->decode_inner(*inner, offset);
        ++stats_.inner_events;
        if (const auto* rows = inner_event.as<RowsEvent>()) stats_.row_changes += rows->rows.size();
        if (print_it) print(inner_event, offset, next_pos, true);
      }
    } catch (Error& e) {
      flush();
      if (std::string_view(e.what()).find(name_) == std::string_view::npos && !name_.empty())
        e.add_context(name_ + ": transaction payload at offset " + std::to_string(offset));
      throw;
    }
  }
  if (options_.follow_rotate) {
    if (const auto* rotate = event.as<RotateEvent>()) name_ = rotate->next_file;
  }
}

bool EventDumper::dump_events(const RawEventSource& next, const DumpRange& range) {
  for (;;) {
    std::optional<RawEvent> raw;
    try {
      raw = next();
    } catch (...) {
      flush();
      throw;
    }
    if (!raw) return false;
    if (raw->offset >= range.stop) return true;
    dump_event(raw->bytes, raw->offset, raw->offset >= range.start);
  }
}

void EventDumper::flush() {
  if (buffer_.empty()) return;
  sink_(buffer_);
  buffer_.clear();
}

}  // namespace galaxis::binlog
