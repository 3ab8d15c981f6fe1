#include "reuse.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::deploy::detail {

namespace fs = std::filesystem;

namespace {

bool safe_relative(const std::string& p) {
  return !p.empty() && p.front() != '/' && p.find("..") == std::string::npos && p.find(':') == std::string::npos;
}

std::optional<std::string> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files composer rewrites in place on every install: copied, not linked.
bool rewritten_in_place(const fs::path& relative) {
  const auto first = relative.begin();
  if (first == relative.end()) return false;
  return std::next(first) == relative.end() || first->string() == "composer";
}

void copy_tree(const fs::path& from, const fs::path& to, ReuseResult& result) {
  struct stat top {};
  if (::lstat(from.c_str(), &top) != 0)
    throw_error(Error::Kind::kIo, "lstat {}: {}", from.string(), std::strerror(errno));
  if (::mkdir(to.c_str(), top.st_mode & 07777) != 0)
    throw_error(Error::Kind::kIo, "mkdir {}: {}", to.string(), std::strerror(errno));
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path source = it->path();
    const fs::path relative = source.lexically_relative(from);
    const fs::path target = to / relative;
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0)
      throw_error(Error::Kind::kIo, "lstat {}: {}", source.string(), std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      if (::mkdir(target.c_str(), st.st_mode & 07777) != 0)
        throw_error(Error::Kind::kIo, "mkdir {}: {}", target.string(), std::strerror(errno));
    } else if (S_ISLNK(st.st_mode)) {
      fs::create_symlink(fs::read_symlink(source), target);  // vendor/bin/* point into packages
    } else if (S_ISREG(st.st_mode)) {
      if (rewritten_in_place(relative)) {
        fs::copy_file(source, target);
        ++result.copied;
      } else {
        if (::link(source.c_str(), target.c_str()) != 0)
          throw_error(Error::Kind::kIo, "link {}: {}", target.string(), std::strerror(errno));
        ++result.linked;
      }
    }
    // Sockets, FIFOs, devices: not part of a dependency tree; skipped.
  }
}

}  // namespace

ReuseSpec parse_reuse_spec(const std::string& text) {
  const auto colon = text.find(':');
  ReuseSpec spec;
  if (colon != std::string::npos) spec = {text.substr(0, colon), text.substr(colon + 1)};
  while (!spec.dir.empty() && spec.dir.back() == '/') spec.dir.pop_back();
  if (colon == std::string::npos || !safe_relative(spec.dir) || !safe_relative(spec.lock_file))
    throw_error(Error::Kind::kUsage,
                "--reuse '{}': expected DIR:LOCKFILE, relative paths inside the release (e.g. vendor:composer.lock)",
                text);
  return spec;
}

ReuseResult reuse_dir(const fs::path& previous_release, const fs::path& release, const ReuseSpec& spec) {
  const auto started = std::chrono::steady_clock::now();
  ReuseResult result;
  const auto done = [&](std::string why) {
    result.why = std::move(why);
    result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return result;
  };
  if (previous_release.empty()) return done("no previous release");
  const fs::path from = previous_release / spec.dir;
  const fs::path to = release / spec.dir;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(from, ec))) return done("the previous release has no " + spec.dir + "/");
  if (fs::exists(fs::symlink_status(to, ec))) return done(spec.dir + " is part of the new release itself");
  const std::optional<std::string> old_lock = read_all(previous_release / spec.lock_file);
  const std::optional<std::string> new_lock = read_all(release / spec.lock_file);
  if (!old_lock || !new_lock) return done("no " + spec.lock_file + " in both releases");
  if (*old_lock != *new_lock) return done(spec.lock_file + " changed");
  try {
    copy_tree(from, to, result);
  } catch (const std::exception& e) {  // Error or filesystem_error: the hooks build it instead
    fs::remove_all(to, ec);
    log::warn("deploy: not reusing {}/ from {}: {}", spec.dir, previous_release.string(), e.what());
    result = ReuseResult{};
    return done(std::string("copy failed: ") + e.what());
  }
  result.reused = true;
  return done("");
}

}  // namespace galaxis::deploy::detail
