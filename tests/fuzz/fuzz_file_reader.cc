// libFuzzer target: the input, after the binlog magic, is written to a
// temporary file and dumped with BinlogFileReader + EventDumper (jsonl,
// checksums verified on odd first bytes so both paths are covered). Checks
// the reader's framing, truncation and seek handling on hostile files.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_common.h"
#include "galaxis/binlog/event_dumper.h"
#include "galaxis/binlog/file_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/galaxis-fuzz-file-reader." + std::to_string(getpid()) + ".binlog";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  std::fwrite(
      "\xfe"
      "bin",
      1, 4, file);
  if (size > 0) std::fwrite(data, 1, size, file);
  std::fclose(file);

  galaxis::binlog::DumpOptions options;
  options.format = galaxis::binlog::DumpFormat::kJsonl;
  options.verify_checksums = size > 0 && (data[0] & 1);
  options.flush_bytes = 1 << 16;
  size_t printed = 0;
  galaxis::fuzz::run_guarded([&] {
    galaxis::binlog::EventDumper dumper(options, [&](std::string_view chunk) { printed += chunk.size(); });
    galaxis::binlog::BinlogFileReader reader(path);
    dumper.begin_stream(path);
    dumper.dump_events([&] { return reader.next(); }, galaxis::binlog::DumpRange{});
    dumper.flush();
  });
  return 0;
}
