// IndexCache (index_cache.h).
#include "index_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "galaxis/common/log.h"
#include "galaxis/fsmirror/hash.h"
#include "home_dir.h"

namespace galaxis::fsmirror {
namespace {

constexpr std::string_view kMagic = "GXMIC1\n";

}  // namespace

IndexCache::IndexCache(std::string dir, std::string_view destination) : dir_(std::move(dir)) {
  Sha256 sha;
  sha.update(reinterpret_cast<const uint8_t*>(destination.data()), destination.size());
  path_ = fmt::format("{}/{:02x}.index", dir_, fmt::join(sha.finish(), ""));
}

bool IndexCache::load(std::string* identity, std::string* bytes) const {
  identity->clear();
  bytes->clear();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return false;
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t header = kMagic.size() + 2;
  if (all.size() < header || std::string_view(all).substr(0, kMagic.size()) != kMagic) {
    log::debug("mirror: ignoring the index cache {} (not one)", path_);
    return false;
  }
  const size_t length = static_cast<uint8_t>(all[kMagic.size()]) | static_cast<uint8_t>(all[kMagic.size() + 1]) << 8;
  if (length == 0 || all.size() < header + length) {
    log::debug("mirror: ignoring the index cache {} (truncated)", path_);
    return false;
  }
  *identity = all.substr(header, length);
  *bytes = all.substr(header + length);
  return true;
}

void IndexCache::store(std::string_view identity, std::string_view bytes) const {
  if (identity.empty() || identity.size() > 0xffff) return forget();
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec)) {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);  // it lists every path
  }
  if (ec) {
    log::debug("mirror: no index cache in {}: {}", dir_, ec.message());
    return;
  }
  const std::string temp = path_ + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    log::debug("mirror: cannot write the index cache {}: {}", temp, std::strerror(errno));
    return;
  }
  std::string head(kMagic);
  head += static_cast<char>(identity.size() & 0xff);
  head += static_cast<char>(identity.size() >> 8);
  head += identity;
  bool ok = true;
  for (std::string_view part : {std::string_view(head), bytes}) {
    while (ok && !part.empty()) {
      const ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) part.remove_prefix(static_cast<size_t>(n));
    }
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path_.c_str()) != 0) {
    log::debug("mirror: cannot write the index cache {}: {}", path_, std::strerror(errno));
    ::unlink(temp.c_str());
  }
}

void IndexCache::forget() const { ::unlink(path_.c_str()); }

std::string default_index_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/galaxis-relay/mirror-index";
  }
  const std::string home = home_dir();
  if (home.empty() || home == "/") return {};
  return home + "/.cache/galaxis-relay/mirror-index";
}

}  // namespace galaxis::fsmirror
