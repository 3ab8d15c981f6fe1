// Tree scan (scan.h): openat/fstatat relative to each directory's fd, never
// following a symlink below the root.
#include "galaxis/fsmirror/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/hash.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

class Scanner {
 public:
  Scanner(const ScanOptions& options, ScanResult& result, std::string root)
      : options_(options), result_(result), root_(std::move(root)) {}

  void walk(int dirfd, const std::string& prefix) {
    DIR* dir = ::fdopendir(::dup(dirfd));
    if (dir == nullptr) throw_error(Error::Kind::kIo, "opendir {}: {}", where(prefix), std::strerror(errno));
    std::vector<std::string> names;
    errno = 0;
    while (dirent* d = ::readdir(dir)) {
      const char* n = d->d_name;
      if (std::strcmp(n, ".") == 0 || std::strcmp(n, "..") == 0) continue;
      names.emplace_back(n);
    }
    const int read_errno = errno;
    ::closedir(dir);
    if (read_errno != 0) throw_error(Error::Kind::kIo, "readdir {}: {}", where(prefix), std::strerror(read_errno));
    // Sorted names make the depth-first walk emit paths in order for most
    // trees, so scan_tree's final sort (moving ~200-byte entries) is skipped.
    std::sort(names.begin(), names.end());

    for (const std::string& name : names) {
      if (prefix.empty() && name == kStateDirName) continue;
      if (name.compare(0, std::strlen(kTempPrefix), kTempPrefix) == 0) {
        if (options_.remove_temps) {
          if (::unlinkat(dirfd, name.c_str(), 0) == 0) {
            ++result_.stats.temp_removed;
          } else if (errno != ENOENT) {
            throw_error(Error::Kind::kIo, "removing temp leftover {}: {}", where(join(prefix, name)),
                        std::strerror(errno));
          }
        }
        continue;
      }
      std::string path = join(prefix, name);
      struct stat st;
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
          ++result_.stats.vanished;
          continue;
        }
        throw_error(Error::Kind::kIo, "lstat {}: {}", where(path), std::strerror(errno));
      }
      const bool is_dir = S_ISDIR(st.st_mode);
      if (options_.excludes.excluded(path, is_dir)) continue;
      if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        ++result_.stats.special;
        log::debug("mirror: skipping {} (socket, FIFO or device)", where(path));
        continue;
      }
      if (path.size() > kMaxPathBytes) {
        throw_error(Error::Kind::kUnsupported, "{}: path longer than {} bytes", where(path), kMaxPathBytes);
      }
      Entry entry;
      entry.inode = st.st_ino;
      Meta& m = entry.meta;
      m.mode = st.st_mode & 07777;
      m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      m.uid = st.st_uid;
      m.gid = st.st_gid;
      if (options_.owner_names) {
        // Nearly every node of an uploads tree has the same owner: skip the
        // locked name cache for a repeat.
        if (st.st_uid != last_uid_ || !have_last_) last_user_ = user_name(st.st_uid);
        if (st.st_gid != last_gid_ || !have_last_) last_group_ = group_name(st.st_gid);
        last_uid_ = st.st_uid;
        last_gid_ = st.st_gid;
        have_last_ = true;
        m.user = last_user_;
        m.group = last_group_;
      }
      if (S_ISREG(st.st_mode)) {
        m.type = NodeType::kFile;
        m.size = static_cast<uint64_t>(st.st_size);
        if (st.st_nlink > 1) ++result_.stats.hardlinked;
        if (options_.hash_files) {
          Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
          if (fd.fd < 0) {
            if (errno == ENOENT) {
              ++result_.stats.vanished;
              continue;
            }
            throw_error(Error::Kind::kIo, "open {}: {}", where(path), std::strerror(errno));
          }
          entry.hash = hash_fd(fd.fd);
        }
        ++result_.stats.files;
        result_.stats.bytes += m.size;
      } else if (S_ISLNK(st.st_mode)) {
        m.type = NodeType::kSymlink;
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        const ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
        if (n < 0) {
          if (errno == ENOENT) {
            ++result_.stats.vanished;
            continue;
          }
          throw_error(Error::Kind::kIo, "readlink {}: {}", where(path), std::strerror(errno));
        }
        target.resize(static_cast<size_t>(n));
        m.size = target.size();
        m.link_target = std::move(target);
        ++result_.stats.symlinks;
      } else {
        m.type = NodeType::kDir;
        ++result_.stats.dirs;
      }
      if (!is_dir) {
        entry.path = std::move(path);
        result_.entries.push_back(std::move(entry));
        continue;
      }
      entry.path = path;
      result_.entries.push_back(std::move(entry));
      {
        Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.fd < 0) {
          if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
            // Replaced or removed since the lstat: the next cycle sees it.
            ++result_.stats.vanished;
            result_.entries.pop_back();
            --result_.stats.dirs;
            continue;
          }
          throw_error(Error::Kind::kIo, "open directory {}: {}", where(path), std::strerror(errno));
        }
        walk(sub.fd, path);
      }
    }
  }

 private:
  static std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "/" + name;
  }
  std::string where(const std::string& path) const { return path.empty() ? root_ : root_ + "/" + printable_path(path); }

  const ScanOptions& options_;
  ScanResult& result_;
  std::string root_;
  bool have_last_ = false;
  uid_t last_uid_ = 0;
  gid_t last_gid_ = 0;
  std::string last_user_, last_group_;
};

}  // namespace

ScanResult scan_tree(const std::string& root, const ScanOptions& options) {
  ScanResult result;
  // The root itself is resolved like any path the operator names (it may be
  // a symlink to the real folder); nothing below it is followed.
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.fd < 0) {
    if (errno == ENOENT) return result;
    throw_error(Error::Kind::kIo, "open {}: {}", root, std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) throw_error(Error::Kind::kIo, "stat {}: {}", root, std::strerror(errno));
  result.root_exists = true;
  result.root_dev = st.st_dev;
  result.root_meta.type = NodeType::kDir;
  result.root_meta.mode = st.st_mode & 07777;
  result.root_meta.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  result.root_meta.uid = st.st_uid;
  result.root_meta.gid = st.st_gid;
  if (options.owner_names) {
    result.root_meta.user = user_name(st.st_uid);
    result.root_meta.group = group_name(st.st_gid);
  }
  result.entries.reserve(options.expected_entries);
  Scanner scanner(options, result, root);
  scanner.walk(fd.fd, "");
  // The walk emits a directory's subtree right after it, which is path order
  // unless a sibling name sorts between "dir" and "dir/" (a byte < '/', as in
  // "img" and "img.png"): only then is the sort needed.
  const auto by_path = [](const Entry& a, const Entry& b) { return a.path < b.path; };
  if (!std::is_sorted(result.entries.begin(), result.entries.end(), by_path)) {
    std::sort(result.entries.begin(), result.entries.end(), by_path);
  }
  return result;
}

ContentHash hash_fd(int fd) {
  Sha256 sha;
  std::vector<uint8_t> buffer(1 << 18);
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_error(Error::Kind::kIo, "read for hashing: {}", std::strerror(errno));
    }
    if (n == 0) break;
    sha.update(buffer.data(), static_cast<size_t>(n));
  }
  return sha.finish();
}

namespace {
std::mutex g_names_mutex;
std::unordered_map<uint32_t, std::string> g_users, g_groups;
}  // namespace

std::string user_name(uint32_t uid) {
  std::lock_guard lock(g_names_mutex);
  auto it = g_users.find(uid);
  if (it != g_users.end()) return it->second;
  passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  std::string name;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) name = found->pw_name;
  g_users.emplace(uid, name);
  return name;
}

std::string group_name(uint32_t gid) {
  std::lock_guard lock(g_names_mutex);
  auto it = g_groups.find(gid);
  if (it != g_groups.end()) return it->second;
  group gr, *found = nullptr;
  std::vector<char> buf(16384);
  std::string name;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) name = found->gr_name;
  g_groups.emplace(gid, name);
  return name;
}

}  // namespace galaxis::fsmirror
