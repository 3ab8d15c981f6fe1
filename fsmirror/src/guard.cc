// The delete guard (guard.h).
#include "galaxis/fsmirror/guard.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {

MaxDelete parse_max_delete(const std::string& text) {
  MaxDelete out;
  std::string number = text;
  out.percent = !number.empty() && number.back() == '%';
  if (out.percent) number.pop_back();
  char* end = nullptr;
  const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || end == nullptr || *end != '\0' || !(value >= 0) || std::isinf(value) ||
      (out.percent && value > 100) || (!out.percent && value != std::floor(value))) {
    throw_error(Error::Kind::kUsage, "--max-delete '{}': expected a percentage like 10% or a count like 500", text);
  }
  out.value = value;
  return out;
}

std::optional<std::string> check_guard(const GuardInput& in) {
  if (in.force) return std::nullopt;
  if (!in.source_exists) return std::string("the source root is missing (unmounted?); nothing copied or deleted");
  if (in.source_nodes == 0 && in.dest_nodes > 0) {
    return fmt::format("the source root is empty but the destination holds {} entries (unmounted volume?)",
                       in.dest_nodes);
  }
  if (in.last_source_dev != 0 && in.source_dev != in.last_source_dev) {
    return fmt::format(
        "the source root is on another file system than at the last complete cycle (device {:#x}, was {:#x}: "
        "remounted or a different volume?)",
        in.source_dev, in.last_source_dev);
  }
  if (in.delete_files > 0) {
    const double limit =
        in.max_delete.percent ? static_cast<double>(in.dest_files) * in.max_delete.value / 100.0 : in.max_delete.value;
    if (static_cast<double>(in.delete_files) > limit) {
      return fmt::format("the cycle would delete {} of the destination's {} files ({:.1f}%), more than --max-delete {}",
                         in.delete_files, in.dest_files,
                         in.dest_files == 0 ? 100.0 : 100.0 * static_cast<double>(in.delete_files) / in.dest_files,
                         in.max_delete.percent
                             ? fmt::format("{}% ({:.0f} files)", in.max_delete.value, std::floor(limit))
                             : fmt::format("{}", in.max_delete.value));
    }
  }
  return std::nullopt;
}

}  // namespace galaxis::fsmirror
