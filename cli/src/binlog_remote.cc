#include "binlog_remote.h"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "galaxis/binlog/event_dumper.h"
#include "galaxis/binlog/event_type.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/common/retry.h"
#include "galaxis/relay/server_binlog_source.h"

namespace galaxis::cli {

namespace {

void write_stdout(std::string_view chunk) {
  if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size())
    throw_error(Error::Kind::kIo, "writing to standard output: {}", std::strerror(errno));
}

relay::StartPosition parse_start(const RemoteDumpOptions& options) {
  relay::StartPosition start;
  if (!options.from.empty() && !options.gtid.empty()) {
    throw_error(Error::Kind::kUsage, "--from and --gtid exclude each other");
  }
  if (!options.gtid.empty()) {
    start.file.clear();
    start.gtid_set = options.gtid;
    return start;
  }
  if (options.from.empty()) return start;  // the master's first binlog
  const size_t colon = options.from.rfind(':');
  std::string_view pos_text =
      colon == std::string::npos ? std::string_view() : std::string_view(options.from).substr(colon + 1);
  uint64_t pos = 0;
  auto [ptr, ec] = std::from_chars(pos_text.data(), pos_text.data() + pos_text.size(), pos);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() || ptr != pos_text.data() + pos_text.size() ||
      pos < 4) {
    throw_error(Error::Kind::kUsage, "--from '{}': expected FILE:POS, e.g. binlog.000003:4", options.from);
  }
  start.file = options.from.substr(0, colon);
  start.offset = pos;
  return start;
}

bool is_heartbeat(std::span<const uint8_t> bytes) {
  const auto type = static_cast<binlog::EventType>(bytes[4]);
  return type == binlog::EventType::kHeartbeat || type == binlog::EventType::kHeartbeatV2;
}

}  // namespace

int dump_remote(const RemoteDumpOptions& options) {
  relay::ServerSourceOptions source_options;
  source_options.url = options.source;
  source_options.server_id = options.server_id;
  source_options.non_blocking = !options.stop_never;
  relay::ServerBinlogSource source(source_options);

  binlog::DumpOptions dump_options;
  dump_options.format = binlog::parse_dump_format(options.format);
  dump_options.verify_checksums = options.verify_checksums;
  dump_options.follow_rotate = true;
  binlog::EventDumper dumper(dump_options, write_stdout);

  relay::StartPosition start = parse_start(options);
  // --stop-never: reconnect after network trouble, 500 ms doubling to 30 s, reset by every event dumped.
  Backoff backoff(RetryPolicy{});
  while (true) {
    try {
      source.open(start);
      dumper.begin_stream(source.position().file.empty() ? source.describe() : source.position().file);
      while (auto event = source.next()) {
        if (is_heartbeat(event->bytes)) {
          dumper.flush();
          std::fflush(stdout);
          continue;
        }
        dumper.dump_event(event->bytes, event->offset);
        backoff.reset();
      }
      break;
    } catch (Error& e) {
      dumper.flush();
      std::fflush(stdout);
      if (!options.stop_never || !e.retryable()) throw;
      const auto delay = backoff.next_delay();  // no attempt limit: always a delay
      log::warn("binlog dump: {}; reconnecting in {} ms", e.what(), delay->count());
      backoff.wait(*delay);
      const auto position = source.position();
      if (!position.file.empty()) start = relay::StartPosition{position.file, position.offset, ""};
    }
  }
  dumper.flush();
  if (std::fflush(stdout) != 0) throw_error(Error::Kind::kIo, "writing to standard output: {}", std::strerror(errno));
  if (dump_options.format == binlog::DumpFormat::kNone) {
    // Nothing was printed: say what was decoded (bench/stream reads this line).
    const binlog::DumpStats& stats = dumper.stats();
    std::fprintf(stderr,
                 "decoded %llu events (%llu inside transaction payloads), %llu row changes, %llu bytes; received %llu "
                 "bytes\n",
                 static_cast<unsigned long long>(stats.events + stats.inner_events),
                 static_cast<unsigned long long>(stats.inner_events),
                 static_cast<unsigned long long>(stats.row_changes), static_cast<unsigned long long>(stats.bytes),
                 static_cast<unsigned long long>(source.bytes_received()));
  }
  return 0;
}

}  // namespace galaxis::cli
