#include "galaxis/binlog/event_type.h"

#include <array>
#include <string>

namespace galaxis::binlog {
namespace {

// Names indexed by type code; empty = unknown. Built once at compile time.
constexpr std::array<std::string_view, 256> make_names() {
  std::array<std::string_view, 256> n{};
  n[1] = "start_v3";
  n[2] = "query";
  n[3] = "stop";
  n[4] = "rotate";
  n[5] = "intvar";
  n[6] = "load";
  n[7] = "slave";
  n[8] = "create_file";
  n[9] = "append_block";
  n[10] = "exec_load";
  n[11] = "delete_file";
  n[12] = "new_load";
  n[13] = "rand";
  n[14] = "user_var";
  n[15] = "format_description";
  n[16] = "xid";
  n[17] = "begin_load_query";
  n[18] = "execute_load_query";
  n[19] = "table_map";
  n[20] = "write_rows_v0";
  n[21] = "update_rows_v0";
  n[22] = "delete_rows_v0";
  n[23] = "write_rows";
  n[24] = "update_rows";
  n[25] = "delete_rows";
  n[26] = "incident";
  n[27] = "heartbeat";
  n[28] = "ignorable";
  n[29] = "rows_query";
  n[30] = "write_rows";
  n[31] = "update_rows";
  n[32] = "delete_rows";
  n[33] = "gtid";
  n[34] = "anonymous_gtid";
  n[35] = "previous_gtids";
  n[36] = "transaction_context";
  n[37] = "view_change";
  n[38] = "xa_prepare";
  n[39] = "partial_update_rows";
  n[40] = "transaction_payload";
  n[41] = "heartbeat";
  n[42] = "gtid";
  n[160] = "annotate_rows";
  n[161] = "binlog_checkpoint";
  n[162] = "gtid";
  n[163] = "gtid_list";
  n[164] = "start_encryption";
  n[165] = "query";
  n[166] = "write_rows";
  n[167] = "update_rows";
  n[168] = "delete_rows";
  n[169] = "write_rows";
  n[170] = "update_rows";
  n[171] = "delete_rows";
  n[172] = "partial_row_data";
  return n;
}

constexpr std::array<std::string_view, 256> kNames = make_names();

// "unknown_<code>" for every code, so the function can return a view.
const std::array<std::string, 256>& unknown_names() {
  static const std::array<std::string, 256> names = [] {
    std::array<std::string, 256> out;
    for (size_t i = 0; i < out.size(); ++i) out[i] = "unknown_" + std::to_string(i);
    return out;
  }();
  return names;
}

}  // namespace

std::string_view event_type_name(uint8_t code) {
  if (!kNames[code].empty()) return kNames[code];
  return unknown_names()[code];
}

}  // namespace galaxis::binlog
