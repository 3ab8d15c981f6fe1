// MySQL partial JSON updates (binlog_row_value_options=PARTIAL_JSON): the
// after-image value of a JSON column sent as a diff vector. Each diff is
//   operation (1 byte: 0 REPLACE, 1 INSERT, 2 REMOVE)
//   path length (packed integer) + path text ("$.a[1]")
//   unless REMOVE: value length (packed integer) + binary JSON value
#include "row_decoding.h"
#include "values_internal.h"

namespace galaxis::binlog::detail {

JsonDiff decode_json_diff(std::span<const uint8_t> bytes, uint64_t base_offset) {
  ByteReader in(bytes, base_offset);
  JsonDiff diff;
  while (!in.empty()) {
    JsonDiffOp op;
    const uint8_t kind = in.u8("JSON diff operation");
    if (kind > 2) in.fail_value("JSON diff operation", kind);
    op.kind = static_cast<JsonDiffOp::Kind>(kind);
    const uint64_t path_len = in.packed_int("JSON diff path length");
    op.path = in.string(path_len, "JSON diff path");
    if (op.kind != JsonDiffOp::Kind::kRemove) {
      const uint64_t value_len = in.packed_int("JSON diff value length");
      const uint64_t value_offset = in.absolute_offset();
      const auto value = in.bytes(value_len, "JSON diff value");
      bool lossy = false;
      op.value_json = json_binary_to_text(value, value_offset, &lossy);
      if (lossy) op.value_sql = json_binary_to_sql(value, value_offset);
    }
    diff.ops.push_back(std::move(op));
  }
  return diff;
}

}  // namespace galaxis::binlog::detail
