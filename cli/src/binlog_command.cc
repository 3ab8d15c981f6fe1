// `galaxis-relay binlog dump`: decode binlog files and print every event as
// text (like `mariadb-binlog --verbose`) or jsonl (README.md, "binlog dump
// --format jsonl"). Wiring only: BinlogFileReader yields raw events,
// binlog::EventDumper decodes and formats them, this file writes the output
// to stdout in large chunks.
//
// --start-position applies to the first file and --stop-position to the
// last, as in mariadb-binlog. A network source (`--source URL`) plugs in by
// feeding EventDumper::dump_events() from the replication protocol instead
// of a file (see dump_files() for the shape).
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "binlog_remote.h"
#include "commands.h"
#include "connection_options.h"
#include "galaxis/binlog/event_dumper.h"
#include "galaxis/binlog/file_reader.h"
#include "galaxis/common/error.h"

namespace galaxis::cli {
namespace {

struct DumpCommandOptions {
  std::vector<std::string> files;
  std::string format = "text";
  uint64_t start_position = 0;
  uint64_t stop_position = UINT64_MAX;
  bool no_verify_checksum = false;
};

void write_stdout(std::string_view chunk) {
  if (std::fwrite(chunk.data(), 1, chunk.size(), stdout) != chunk.size())
    throw_error(Error::Kind::kIo, "writing to standard output: {}", std::strerror(errno));
}

void dump_file(binlog::EventDumper& dumper, const std::string& path, uint64_t start, uint64_t stop) {
  binlog::BinlogFileReader reader(path);
  dumper.begin_stream(path);
  bool first = true;
  const binlog::RawEventSource next = [&]() -> std::optional<binlog::RawEvent> {
    auto raw = reader.next();
    // After the first event (the FDE, which the decoder needs), jump to the
    // start position instead of decoding what lies before it.
    if (raw && first) {
      first = false;
      const uint64_t after_first = raw->offset + raw->bytes.size();
      if (start > after_first) {
        dumper.dump_event(raw->bytes, raw->offset, raw->offset >= start);
        reader.seek(start);
        return reader.next();
      }
    }
    return raw;
  };
  dumper.dump_events(next, binlog::DumpRange{start, stop});
}

int dump_files(const DumpCommandOptions& options) {
  binlog::DumpOptions dump_options;
  dump_options.format = binlog::parse_dump_format(options.format);
  dump_options.verify_checksums = !options.no_verify_checksum;
  binlog::EventDumper dumper(dump_options, write_stdout);
  try {
    for (size_t i = 0; i < options.files.size(); ++i) {
      const uint64_t start = i == 0 ? options.start_position : 0;
      const uint64_t stop = i + 1 == options.files.size() ? options.stop_position : UINT64_MAX;
      dump_file(dumper, options.files[i], start, stop);
    }
    dumper.flush();
  } catch (Error& e) {
    dumper.flush();
    std::fflush(stdout);
    if (!dumper.stream_name().empty() &&
        std::string_view(e.what()).find(dumper.stream_name()) == std::string_view::npos)
      e.add_context(dumper.stream_name());
    throw;
  }
  if (std::fflush(stdout) != 0) throw_error(Error::Kind::kIo, "writing to standard output: {}", std::strerror(errno));
  if (dump_options.format == binlog::DumpFormat::kNone) {
    // Nothing was printed: say what was decoded (bench/decode reads this line).
    const binlog::DumpStats& stats = dumper.stats();
    std::fprintf(stderr, "decoded %llu events (%llu inside transaction payloads), %llu row changes, %llu bytes\n",
                 static_cast<unsigned long long>(stats.events + stats.inner_events),
                 static_cast<unsigned long long>(stats.inner_events),
                 static_cast<unsigned long long>(stats.row_changes), static_cast<unsigned long long>(stats.bytes));
  }
  return 0;
}

}  // namespace

void register_binlog_command(CLI::App& app, int* exit_code) {
  CLI::App* binlog = app.add_subcommand("binlog", "Read MySQL/MariaDB binary logs");
  binlog->require_subcommand(1);
  CLI::App* dump = binlog->add_subcommand("dump", "Decode binlog files and print every event (text or jsonl)");
  auto options = std::make_shared<DumpCommandOptions>();
  dump->add_option("FILE", options->files, "Binlog files, dumped in the order given");
  // Remote form (binlog_remote.cc): stream from a master instead of files.
  auto source = std::make_shared<ConnectionOption>(*dump, "source", false);
  auto remote = std::make_shared<RemoteDumpOptions>();
  dump->add_option("--from", remote->from, "With --source: start at FILE:POS (default: the master's first binlog)");
  dump->add_option("--gtid", remote->gtid, "With --source: start after this GTID set (MariaDB d-s-n, MySQL uuid:1-5)");
  dump->add_flag("--stop-never", remote->stop_never,
                 "With --source: keep waiting for new events (else stop at the end)");
  dump->add_option("--server-id", remote->server_id,
                   "With --source: our replica server_id (default: derived from the host name)");
  dump->add_option("--format", options->format,
                   "text (readable), jsonl (one JSON object per event) or none (decode only; counts on stderr)")
      ->check(CLI::IsMember({"text", "jsonl", "none"}))
      ->capture_default_str();
  dump->add_option("--start-position", options->start_position,
                   "Print events of the first file starting at this offset (an event boundary)");
  dump->add_option("--stop-position", options->stop_position,
                   "Stop at the first event of the last file starting at or after this offset");
  dump->add_flag("--no-verify-checksum", options->no_verify_checksum, "Do not verify CRC32 event checksums");
  dump->callback([options, source, remote, exit_code] {
    if (source->given()) {
      if (!options->files.empty()) throw_error(Error::Kind::kUsage, "give either FILE... or --source, not both");
      remote->source = source->resolve();
      remote->format = options->format;
      remote->verify_checksums = !options->no_verify_checksum;
      *exit_code = dump_remote(*remote);
      return;
    }
    if (options->files.empty()) throw_error(Error::Kind::kUsage, "binlog dump needs FILE... or --source URL");
    *exit_code = dump_files(*options);
  });
}

}  // namespace galaxis::cli
