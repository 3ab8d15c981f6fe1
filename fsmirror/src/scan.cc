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
#include <condition_variable>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/hash.h"
#include "galaxis/fsmirror/rel_path.h"
#include "open_beneath.h"
#include "task_pool.h"

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

// One directory's children in name order. A child directory's own children
// are in its own chunk, filled by its own task and emitted right after it.
struct DirChunk {
  std::vector<Entry> entries;
  std::vector<std::pair<size_t, std::unique_ptr<DirChunk>>> subdirs;  // index into entries -> its chunk
  ScanStats stats;
  bool vanished = false;  // the directory was gone (or replaced) before it could be opened
  bool done = false;      // filled, or given up (Scanner::mu_)
};

// uid/gid -> name for one directory's nodes: nearly every node of an uploads
// tree has the same owner, so a repeat skips the locked name cache.
struct OwnerNames {
  bool have = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user, group;
  void fill(Meta& m) {
    if (m.uid != uid || !have) user = user_name(m.uid);
    if (m.gid != gid || !have) group = group_name(m.gid);
    uid = m.uid;
    gid = m.gid;
    have = true;
    m.user = user;
    m.group = group;
  }
};

// Walks the tree one directory per task on `threads` threads (lstat-bound:
// a 10,000-file tree is 10,000 fstatat calls), or depth-first on the
// caller's thread when threads <= 1 (each directory scanned when the walk
// reaches it). The caller's thread emits the chunks in
// walk order as they are done and frees each behind it; the tasks run
// newest first (a directory queues its subdirectories first one on top), so
// they work near that walk and only a few chunks wait ahead of it: memory
// stays that of one copy of the entries (a scan that emitted at the end held
// two: 130 MB instead of 90 MB at 200,000 files).
class Scanner {
 public:
  Scanner(const ScanOptions& options, std::string root, int root_fd)
      : options_(options), root_(std::move(root)), root_fd_(root_fd) {}

  void scan_into(ScanResult& result) {
    DirChunk top;
    // Declared after `top`: on a failure its destructor waits for the
    // running tasks before the chunks they fill are gone.
    std::optional<TaskPool> pool;
    if (options_.threads > 1) {
      pool.emplace(options_.threads, std::numeric_limits<size_t>::max(), TaskPool::Order::kNewestFirst);
    }
    pool_ = pool ? &*pool : nullptr;
    scan_dir(root_fd_, "", top);
    emit(top, result);
    if (pool) pool->drain();  // a task's failure (its chunk was given up)
  }

 private:
  // Lists and lstat()s the children of `dirfd` (the directory `prefix`) into
  // `out`; each child directory is queued as a task of its own (without a
  // pool, emit() scans it when the walk reaches it).
  void scan_dir(int dirfd, const std::string& prefix, DirChunk& out) {
    std::vector<std::string> names = list_names(dirfd, prefix);
    out.entries.reserve(names.size());  // no regrowth copies of ~200-byte entries
    OwnerNames owners;
    for (const std::string& name : names) {
      if (prefix.empty() && name == kStateDirName) continue;
      if (name.compare(0, std::strlen(kTempPrefix), kTempPrefix) == 0) {
        remove_temp(dirfd, prefix, name, out.stats);
        continue;
      }
      std::string path = join(prefix, name);
      Entry entry;
      if (!stat_node(dirfd, name, path, entry, owners, out.stats)) continue;
      entry.path = std::move(path);
      out.entries.push_back(std::move(entry));
      if (out.entries.back().meta.type != NodeType::kDir) continue;
      out.subdirs.emplace_back(out.entries.size() - 1, std::make_unique<DirChunk>());
    }
    if (pool_ == nullptr) return;  // emit() scans each subdirectory when it gets there
    // Last first: the first subdirectory ends up on top of the newest-first
    // queue. After another task's failure a chunk is given up at once
    // (skipped), so emit() never waits for a directory nobody will scan.
    for (auto it = out.subdirs.rbegin(); it != out.subdirs.rend(); ++it) {
      DirChunk* chunk = it->second.get();
      pool_->post_or_skip([this, chunk, dir = out.entries[it->first].path](bool skipped) {
        struct MarkDone {
          Scanner* scanner;
          DirChunk* chunk;
          ~MarkDone() { scanner->mark_done(*chunk); }
        } mark{this, chunk};
        if (!skipped) scan_subdir(dir, *chunk);
      });
    }
  }

  void mark_done(DirChunk& chunk) {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      chunk.done = true;
    }
    done_cv_.notify_all();
  }

  void wait_done(DirChunk& chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return chunk.done; });
  }

  // Appends `chunk`'s entries to `result` in walk order (each directory
  // followed by its subtree, waited for), adds up the counts and frees the
  // chunk behind it.
  void emit(DirChunk& chunk, ScanResult& result) {
    add_stats(result.stats, chunk.stats);
    auto sub = chunk.subdirs.begin();
    for (size_t i = 0; i < chunk.entries.size(); ++i) {
      if (sub == chunk.subdirs.end() || sub->first != i) {
        result.entries.push_back(std::move(chunk.entries[i]));
        continue;
      }
      DirChunk& child = *sub->second;
      ++sub;
      if (pool_ != nullptr) {
        wait_done(child);
      } else {
        scan_subdir(chunk.entries[i].path, child);  // depth-first, now
      }
      if (child.vanished) {
        ++result.stats.vanished;
        --result.stats.dirs;
        continue;
      }
      result.entries.push_back(std::move(chunk.entries[i]));
      emit(child, result);
    }
    std::vector<Entry>().swap(chunk.entries);
    decltype(chunk.subdirs)().swap(chunk.subdirs);
  }

  // Opens the directory `path` below the root and scans it.
  void scan_subdir(const std::string& path, DirChunk& out) {
    Fd sub(open_beneath(root_fd_, path, O_RDONLY | O_DIRECTORY));
    if (sub.fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV) {
        out.vanished = true;  // replaced or removed since the lstat: the next cycle sees it
        return;
      }
      throw_error(Error::Kind::kIo, "open directory {}: {}", where(path), std::strerror(errno));
    }
    scan_dir(sub.fd, path, out);
  }

  std::vector<std::string> list_names(int dirfd, const std::string& prefix) const {
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
    // Sorted names make the walk emit paths in order for most trees, so
    // scan_tree's final sort (moving ~200-byte entries) is skipped.
    std::sort(names.begin(), names.end());
    return names;
  }

  void remove_temp(int dirfd, const std::string& prefix, const std::string& name, ScanStats& stats) const {
    if (!options_.remove_temps) return;
    if (::unlinkat(dirfd, name.c_str(), 0) == 0) {
      ++stats.temp_removed;
    } else if (errno != ENOENT) {
      throw_error(Error::Kind::kIo, "removing temp leftover {}: {}", where(join(prefix, name)), std::strerror(errno));
    }
  }

  // lstat()s one child into `entry` (all but its path); false when it is
  // skipped (vanished, excluded, a socket/FIFO/device).
  bool stat_node(int dirfd, const std::string& name, const std::string& path, Entry& entry, OwnerNames& owners,
                 ScanStats& stats) const {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        ++stats.vanished;
        return false;
      }
      throw_error(Error::Kind::kIo, "lstat {}: {}", where(path), std::strerror(errno));
    }
    const bool is_dir = S_ISDIR(st.st_mode);
    if (options_.excludes.excluded(path, is_dir)) return false;
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
      ++stats.special;
      log::debug("mirror: skipping {} (socket, FIFO or device)", where(path));
      return false;
    }
    if (path.size() > kMaxPathBytes) {
      throw_error(Error::Kind::kUnsupported, "{}: path longer than {} bytes", where(path), kMaxPathBytes);
    }
    entry.inode = st.st_ino;
    Meta& m = entry.meta;
    m.mode = st.st_mode & 07777;
    m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    m.uid = st.st_uid;
    m.gid = st.st_gid;
    if (options_.owner_names) owners.fill(m);
    if (S_ISREG(st.st_mode)) {
      m.type = NodeType::kFile;
      m.size = static_cast<uint64_t>(st.st_size);
      if (st.st_nlink > 1) ++stats.hardlinked;
      if (options_.hash_files) {
        Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.fd < 0) {
          if (errno == ENOENT) {
            ++stats.vanished;
            return false;
          }
          throw_error(Error::Kind::kIo, "open {}: {}", where(path), std::strerror(errno));
        }
        entry.hash = hash_fd(fd.fd);
      }
      ++stats.files;
      stats.bytes += m.size;
    } else if (S_ISLNK(st.st_mode)) {
      m.type = NodeType::kSymlink;
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0) {
        if (errno == ENOENT) {
          ++stats.vanished;
          return false;
        }
        throw_error(Error::Kind::kIo, "readlink {}: {}", where(path), std::strerror(errno));
      }
      target.resize(static_cast<size_t>(n));
      m.size = target.size();
      m.link_target = std::move(target);
      ++stats.symlinks;
    } else {
      m.type = NodeType::kDir;
      ++stats.dirs;
    }
    return true;
  }

  static void add_stats(ScanStats& to, const ScanStats& from) {
    to.files += from.files;
    to.dirs += from.dirs;
    to.symlinks += from.symlinks;
    to.bytes += from.bytes;
    to.hardlinked += from.hardlinked;
    to.special += from.special;
    to.vanished += from.vanished;
    to.temp_removed += from.temp_removed;
  }

  static std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "/" + name;
  }
  std::string where(const std::string& path) const { return path.empty() ? root_ : root_ + "/" + printable_path(path); }

  const ScanOptions& options_;
  std::string root_;
  int root_fd_;
  TaskPool* pool_ = nullptr;  // while scan_into runs with threads > 1
  std::mutex mu_;             // DirChunk::done
  std::condition_variable done_cv_;
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
  Scanner(options, root, fd.fd).scan_into(result);
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
