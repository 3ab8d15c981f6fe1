// libFuzzer target: the input is a binlog event stream without the file
// magic (normally starting with a FORMAT_DESCRIPTION event). It is framed by
// each header's event_size field, exactly as a replication stream is, and
// every event goes through Decoder::decode (checksums off so mutations reach
// the bodies), TransactionPayloadReader + decode_inner, and both formatters.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz_common.h"
#include "galaxis/binlog/decoder.h"
#include "galaxis/binlog/format_json.h"
#include "galaxis/binlog/format_text.h"
#include "galaxis/binlog/payload.h"

namespace {

using namespace galaxis::binlog;

void format(const Event& event, uint64_t offset, uint64_t size, bool inner, JsonFormatter& json, std::string& out) {
  const EventLocation where{"fuzz", offset, offset + size, inner};
  out.clear();
  append_event_text(event, where, out);
  out.clear();
  json.append_event(event, where, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  DecoderOptions options;
  options.verify_checksums = false;
  options.source_name = "fuzz";
  Decoder decoder(options);
  JsonFormatter json;
  std::string out;
  uint64_t offset = 4;
  while (input.size() >= kEventHeaderLength) {
    const uint32_t event_size = static_cast<uint32_t>(input[9]) | static_cast<uint32_t>(input[10]) << 8 |
                                static_cast<uint32_t>(input[11]) << 16 | static_cast<uint32_t>(input[12]) << 24;
    if (event_size < kEventHeaderLength || event_size > input.size()) break;
    const auto bytes = input.first(event_size);
    galaxis::fuzz::run_guarded([&] {
      const Event event = decoder.decode(bytes, offset);
      format(event, offset, event_size, false, json, out);
      if (const auto* payload = event.as<TransactionPayloadEvent>()) {
        TransactionPayloadReader reader(*payload, offset);
        while (auto inner = reader.next()) {
          const Event inner_event = decoder.decode_inner(*inner, offset);
          format(inner_event, offset, event_size, true, json, out);
        }
      }
    });
    input = input.subspan(event_size);
    offset += event_size;
  }
  return 0;
}
