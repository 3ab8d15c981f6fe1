// Path checks of rel_path.h: the one gate every destination path passes.
#include "galaxis/fsmirror/rel_path.h"

#include <fmt/format.h>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {

void check_rel_path(std::string_view path) {
  if (path.empty()) throw_error(Error::Kind::kCorrupt, "empty path");
  if (path.size() > kMaxPathBytes) {
    throw_error(Error::Kind::kCorrupt, "path of {} bytes is longer than {}", path.size(), kMaxPathBytes);
  }
  if (path.front() == '/') throw_error(Error::Kind::kCorrupt, "absolute path '{}'", printable_path(path));
  if (path.find('\0') != std::string_view::npos) {
    throw_error(Error::Kind::kCorrupt, "path '{}' contains a NUL byte", printable_path(path));
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty()) throw_error(Error::Kind::kCorrupt, "path '{}' has an empty component", printable_path(path));
    if (part == "." || part == "..") {
      throw_error(Error::Kind::kCorrupt, "path '{}' has a '{}' component", printable_path(path), part);
    }
    if (part.size() > kMaxNameBytes) {
      throw_error(Error::Kind::kCorrupt, "path '{}' has a component of {} bytes (longest allowed {})",
                  printable_path(path), part.size(), kMaxNameBytes);
    }
    start = end + 1;
  }
}

std::vector<std::string_view> split_rel_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string_view parent_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string printable_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

}  // namespace galaxis::fsmirror
