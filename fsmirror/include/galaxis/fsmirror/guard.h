// galaxis/fsmirror/guard.h — the delete guard (pure).
//
// A cycle is refused (exit 3, destination untouched) when
//  - the source root is missing, or empty while the destination is not;
//  - the source root is on another file system (st_dev) than at the last
//    complete cycle (an unmounted volume shows the mount point's directory);
//  - it would delete more non-directory nodes than --max-delete allows:
//    "10%" (default) of the destination's non-directory nodes, or an
//    absolute count "500".
// --force-delete lifts all of these for one run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace galaxis::fsmirror {

struct MaxDelete {
  bool percent = true;
  double value = 10;
};

// "10%", "2.5%", "500"; throws Error(kUsage) otherwise.
MaxDelete parse_max_delete(const std::string& text);

struct GuardInput {
  bool source_exists = true;
  uint64_t source_nodes = 0;     // entries found under the source root
  uint64_t source_dev = 0;       // st_dev of the source root now
  uint64_t last_source_dev = 0;  // at the last complete cycle (0 = none yet)
  uint64_t dest_files = 0;       // non-directory nodes on the destination
  uint64_t dest_nodes = 0;       // all nodes on the destination
  uint64_t delete_files = 0;     // non-directory nodes this cycle would delete
  MaxDelete max_delete;
  bool force = false;
};

// The refusal message naming the numbers, or nullopt when the cycle may run.
std::optional<std::string> check_guard(const GuardInput& input);

}  // namespace galaxis::fsmirror
