// LocalDestination (local_destination.h): every write relative to the root's
// directory fd, one component at a time with O_NOFOLLOW.
#include "galaxis/fsmirror/local_destination.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/rel_path.h"
#include "task_pool.h"

namespace galaxis::fsmirror {
namespace {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string temp_name() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t seed = [] {
    uint64_t s = 0;
    if (::getrandom(&s, sizeof(s), 0) != sizeof(s)) s = static_cast<uint64_t>(::getpid()) << 32;
    return s;
  }();
  const uint64_t n = seed ^ (counter.fetch_add(1) * 0x9e3779b97f4a7c15ULL);
  return fmt::format("{}{:016x}", kTempPrefix, n);
}

timespec to_timespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1000000000;
    --ts.tv_sec;
  }
  return ts;
}

uid_t lookup_uid(const std::string& name, uid_t fallback) {
  static std::mutex mu;  // copies commit on several threads
  static std::unordered_map<std::string, uid_t> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  const uid_t uid =
      ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) == 0 && found ? found->pw_uid : fallback;
  cache.emplace(name, uid);
  return uid;
}

gid_t lookup_gid(const std::string& name, gid_t fallback) {
  static std::mutex mu;  // copies commit on several threads
  static std::unordered_map<std::string, gid_t> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  group gr, *found = nullptr;
  std::vector<char> buf(16384);
  const gid_t gid =
      ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) == 0 && found ? found->gr_gid : fallback;
  cache.emplace(name, gid);
  return gid;
}

// Removes `name` in `dirfd` and, for a directory, everything below it, never
// following a symlink. ENOENT is fine (already gone).
void remove_tree(int dirfd, const std::string& name, const std::string& where) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_error(Error::Kind::kIo, "lstat {}: {}", where, std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
      throw_error(Error::Kind::kIo, "unlink {}: {}", where, std::strerror(errno));
    }
    return;
  }
  UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (sub.get() < 0) throw_error(Error::Kind::kIo, "open {}: {}", where, std::strerror(errno));
  DIR* dir = ::fdopendir(::dup(sub.get()));
  if (dir == nullptr) throw_error(Error::Kind::kIo, "opendir {}: {}", where, std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* d = ::readdir(dir)) {
    if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) names.emplace_back(d->d_name);
  }
  ::closedir(dir);
  for (const std::string& n : names) remove_tree(sub.get(), n, where + "/" + printable_path(n));
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    throw_error(Error::Kind::kIo, "rmdir {}: {}", where, std::strerror(errno));
  }
}

std::string io_message(int err) {
  if (err == ENOSPC) return "no space left on the destination's file system (ENOSPC)";
  if (err == EDQUOT) return "disk quota exceeded on the destination (EDQUOT)";
  return std::strerror(err);
}

class LocalDestination;

class LocalFileSink : public FileSink {
 public:
  LocalFileSink(LocalDestination& owner, std::string path, UniqueFd dirfd, std::string temp, UniqueFd fd)
      : owner_(owner), path_(std::move(path)), dirfd_(std::move(dirfd)), temp_(std::move(temp)), fd_(std::move(fd)) {}
  ~LocalFileSink() override { abort(); }
  void write(const uint8_t* data, size_t size) override;
  std::optional<uint64_t> copy_from_fd(int src_fd, uint64_t max_bytes) override;
  void commit(const Entry& entry) override;
  void abort() noexcept override {
    if (!temp_.empty()) {
      fd_.reset();
      ::unlinkat(dirfd_.get(), temp_.c_str(), 0);
      temp_.clear();
    }
  }

 private:
  LocalDestination& owner_;
  std::string path_;
  UniqueFd dirfd_;
  std::string temp_;
  UniqueFd fd_;
  bool copied_in_kernel_ = false;  // copy_file_range worked once: its errors are errors now
};

class LocalDestination : public Destination {
 public:
  LocalDestination(std::string root, DestinationOptions options) : root_(std::move(root)), options_(options) {}

  std::string describe() const override { return root_; }
  const DestinationOptions& options() const { return options_; }
  std::string where(std::string_view path) const { return root_ + "/" + printable_path(path); }

  void open(bool read_only) override {
    pool_.drain();
    read_only_ = read_only;
    if (!read_only) make_root();
    root_fd_ = UniqueFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root_fd_.get() < 0) {
      if (read_only && errno == ENOENT) return;  // --dry-run into a destination that does not exist yet
      throw_error(Error::Kind::kIo, "open destination {}: {}", root_, std::strerror(errno));
    }
    state_fd_ = UniqueFd(::openat(root_fd_.get(), kStateDirName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (state_fd_.get() < 0 && errno == ENOENT && !read_only) {
      if (::mkdirat(root_fd_.get(), kStateDirName, 0700) != 0 && errno != EEXIST) {
        throw_error(Error::Kind::kIo, "mkdir {}: {}", where(kStateDirName), io_message(errno));
      }
      state_fd_ = UniqueFd(::openat(root_fd_.get(), kStateDirName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (state_fd_.get() < 0) {
      if (read_only && errno == ENOENT) return;
      throw_error(Error::Kind::kIo, "open {}: {}", where(kStateDirName), std::strerror(errno));
    }
    if (!read_only) {
      lock_fd_ = UniqueFd(::openat(state_fd_.get(), "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (lock_fd_.get() < 0)
        throw_error(Error::Kind::kIo, "open {}/lock: {}", where(kStateDirName), io_message(errno));
      if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        throw_error(Error::Kind::kRuntime, "{}: another `galaxis-relay mirror` is writing this destination", root_);
      }
    }
  }

  std::optional<std::string> load_index_bytes() override {
    if (!index_usable()) return std::nullopt;
    return read_state_file("index");
  }

  std::optional<Index> load_index() override {
    if (!index_usable()) return std::nullopt;
    try {
      // Parsed straight from the page cache (a mapping, populated in one
      // call): no zero-filled megabyte-sized string and no copy into it.
      std::optional<Index> index;
      map_state_file("index", [&](std::string_view bytes) { index = parse_index(bytes); });
      return index;
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kCorrupt) throw;
      log::warn("mirror: ignoring {}/index ({}); scanning the destination", where(kStateDirName), e.what());
      return std::nullopt;
    }
  }

  std::string index_identity() override {
    if (!index_usable()) return {};
    struct stat st;
    if (::fstatat(state_fd_.get(), "index", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return {};
    // Rewritten only by temp + rename: a new inode and new times each time.
    return fmt::format("{}:{}:{}:{}.{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                       st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  }

  ScanResult scan(bool hash_files) override {
    pool_.drain();
    ScanOptions options;
    options.hash_files = hash_files;
    options.remove_temps = !read_only_;
    options.owner_names = options_.set_owner && !options_.numeric_ids;
    ScanResult result = scan_tree(root_, options);
    if (result.stats.temp_removed > 0) {
      log::info("mirror: removed {} temp files left by an interrupted run in {}", result.stats.temp_removed, root_);
    }
    return result;
  }

  void begin_cycle() override {
    pool_.drain();
    UniqueFd fd(::openat(state_fd_.get(), "dirty", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_error(Error::Kind::kIo, "create {}/dirty: {}", where(kStateDirName), io_message(errno));
    if (options_.fsync) {
      ::fsync(fd.get());
      ::fsync(state_fd_.get());
    }
  }

  void make_dir(const Entry& entry, bool replace) override {
    pool_.drain();
    check_rel_path(entry.path);
    const int parent = parent_fd(entry.path);
    const std::string name(base_name(entry.path));
    (void)replace;  // a non-directory in the way is removed whether or not the plan knew it
    if (::mkdirat(parent, name.c_str(), 0700) == 0) return;
    if (errno != EEXIST) throw_error(Error::Kind::kIo, "mkdir {}: {}", where(entry.path), io_message(errno));
    struct stat st;
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) return;
    if (::unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT) {
      throw_error(Error::Kind::kIo, "unlink {} (to make a directory there): {}", where(entry.path),
                  std::strerror(errno));
    }
    if (::mkdirat(parent, name.c_str(), 0700) != 0) {
      throw_error(Error::Kind::kIo, "mkdir {}: {}", where(entry.path), io_message(errno));
    }
  }

  bool concurrent_file_sinks() const override { return true; }

  std::unique_ptr<FileSink> open_file(const std::string& path) override {
    check_rel_path(path);
    UniqueFd dirfd;
    {
      const std::lock_guard<std::mutex> lock(parent_mu_);  // the cached parent is shared by the copy threads
      dirfd = UniqueFd(::dup(parent_fd(path)));
    }
    if (dirfd.get() < 0) throw_error(Error::Kind::kIo, "dup: {}", std::strerror(errno));
    const std::string temp = temp_name();
    UniqueFd fd(::openat(dirfd.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_error(Error::Kind::kIo, "create temp file for {}: {}", where(path), io_message(errno));
    return std::make_unique<LocalFileSink>(*this, path, std::move(dirfd), temp, std::move(fd));
  }

  void make_symlink(const Entry& entry) override {
    check_rel_path(entry.path);
    const std::string& target = entry.meta.link_target;
    if (target.empty() || target.size() >= kMaxPathBytes || target.find('\0') != std::string::npos) {
      throw_error(Error::Kind::kCorrupt, "{}: bad symlink target of {} bytes", where(entry.path), target.size());
    }
    const int parent = parent_fd(entry.path);
    const std::string temp = temp_name();
    if (::symlinkat(target.c_str(), parent, temp.c_str()) != 0) {
      throw_error(Error::Kind::kIo, "symlink {}: {}", where(entry.path), io_message(errno));
    }
    try {
      set_owner_at(parent, temp, entry.meta, entry.path);
      const timespec times[2] = {to_timespec(entry.meta.mtime_ns), to_timespec(entry.meta.mtime_ns)};
      if (::utimensat(parent, temp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_error(Error::Kind::kIo, "set mtime of symlink {}: {}", where(entry.path), std::strerror(errno));
      }
      publish(parent, temp, entry.path);
    } catch (...) {
      ::unlinkat(parent, temp.c_str(), 0);
      throw;
    }
  }

  void set_meta(const Entry& entry) override {
    if (entry.meta.type == NodeType::kDir) pool_.drain();  // renames into it change its mtime
    check_rel_path(entry.path);
    const int parent = parent_fd(entry.path);
    const std::string name(base_name(entry.path));
    if (entry.meta.type == NodeType::kSymlink) {
      set_owner_at(parent, name, entry.meta, entry.path);
      const timespec times[2] = {to_timespec(entry.meta.mtime_ns), to_timespec(entry.meta.mtime_ns)};
      if (::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_error(Error::Kind::kIo, "set mtime of symlink {}: {}", where(entry.path), std::strerror(errno));
      }
      return;
    }
    // O_NOFOLLOW: if a symlink sits where a file or directory should be, fail
    // instead of changing what it points to.
    UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0)
      throw_error(Error::Kind::kIo, "open {} to set its metadata: {}", where(entry.path), std::strerror(errno));
    apply_meta(fd.get(), entry.meta, entry.path);
  }

  void set_root_meta(const Meta& meta) override {
    pool_.drain();  // renames change the directory's mtime
    apply_meta(root_fd_.get(), meta, "");
  }

  void remove(const Entry& entry) override {
    pool_.drain();  // deletions after additions
    check_rel_path(entry.path);
    const int parent = parent_fd(entry.path);
    remove_tree(parent, std::string(base_name(entry.path)), where(entry.path));
    if (entry.meta.type == NodeType::kDir) forget_parent();
  }

  void finish_cycle(const Index& index, bool entries_changed, const std::string& marker_json) override {
    pool_.drain();  // the index and the marker only after every file is in place
    if (entries_changed) write_state_file("index", serialize_index(index));
    if (!marker_json.empty()) write_state_file("complete.json", marker_json + "\n");
    if (::unlinkat(state_fd_.get(), "dirty", 0) != 0 && errno != ENOENT) {
      throw_error(Error::Kind::kIo, "remove {}/dirty: {}", where(kStateDirName), std::strerror(errno));
    }
    if (options_.fsync) ::fsync(state_fd_.get());
  }

  std::string read_marker() override {
    pool_.drain();
    return read_state_file("complete.json").value_or("");
  }

  // Sets owner, mode and mtime through an open fd (owner first: chown clears setuid bits).
  void apply_meta(int fd, const Meta& meta, const std::string& path) {
    if (options_.set_owner) {
      const uid_t uid = options_.numeric_ids || meta.user.empty() ? meta.uid : lookup_uid(meta.user, meta.uid);
      const gid_t gid = options_.numeric_ids || meta.group.empty() ? meta.gid : lookup_gid(meta.group, meta.gid);
      if (::fchown(fd, uid, gid) != 0) {
        throw_error(Error::Kind::kIo, "chown {}: {}", path.empty() ? root_ : where(path), std::strerror(errno));
      }
    }
    if (::fchmod(fd, meta.mode & 07777) != 0) {
      throw_error(Error::Kind::kIo, "chmod {}: {}", path.empty() ? root_ : where(path), std::strerror(errno));
    }
    const timespec times[2] = {to_timespec(meta.mtime_ns), to_timespec(meta.mtime_ns)};
    if (::futimens(fd, times) != 0) {
      throw_error(Error::Kind::kIo, "set mtime of {}: {}", path.empty() ? root_ : where(path), std::strerror(errno));
    }
  }

  // Publishes a finished, closed temp file. Replacing an existing file is the
  // slow rename (task_pool.h): it runs on the pool, which owns `dirfd` and
  // the temp from here on (and removes the temp if it does not run). A new
  // name is renamed at once (cheap), and a directory in the way is removed
  // after the pool has drained (rare: the source turned a directory into a
  // file).
  void publish_file(UniqueFd dirfd, const std::string& temp, const std::string& path) {
    const std::string name(base_name(path));
    struct stat st;
    const bool exists = ::fstatat(dirfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists || S_ISDIR(st.st_mode)) {
      try {
        if (exists) pool_.drain();
        publish(dirfd.get(), temp, path);
      } catch (...) {
        ::unlinkat(dirfd.get(), temp.c_str(), 0);
        throw;
      }
      return;
    }
    auto fd = std::make_shared<UniqueFd>(std::move(dirfd));
    try {
      pool_.post([this, fd, temp, path, name](bool skipped) {
        if (skipped) {
          ::unlinkat(fd->get(), temp.c_str(), 0);
          return;
        }
        if (::renameat(fd->get(), temp.c_str(), fd->get(), name.c_str()) != 0) {
          const int err = errno;
          ::unlinkat(fd->get(), temp.c_str(), 0);
          throw_error(Error::Kind::kIo, "rename into {}: {}", where(path), io_message(err));
        }
        if (options_.fsync) ::fsync(fd->get());
      });
    } catch (...) {
      ::unlinkat(fd->get(), temp.c_str(), 0);
      throw;
    }
  }

  // Renames `temp` in `dirfd` onto the final name of `path`; a directory in
  // the way (the source changed a directory into a file) is removed first.
  void publish(int dirfd, const std::string& temp, const std::string& path) {
    const std::string name(base_name(path));
    if (::renameat(dirfd, temp.c_str(), dirfd, name.c_str()) != 0) {
      if (errno != EISDIR && errno != ENOTEMPTY && errno != EEXIST) {
        throw_error(Error::Kind::kIo, "rename into {}: {}", where(path), io_message(errno));
      }
      remove_tree(dirfd, name, where(path));
      {
        const std::lock_guard<std::mutex> lock(parent_mu_);
        forget_parent();
      }
      if (::renameat(dirfd, temp.c_str(), dirfd, name.c_str()) != 0) {
        throw_error(Error::Kind::kIo, "rename into {}: {}", where(path), io_message(errno));
      }
    }
    if (options_.fsync) ::fsync(dirfd);
  }

 private:
  void make_root() {
    // mkdir -p: the operator's path, resolved normally.
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = root_.find('/', pos + 1);
      partial = root_.substr(0, pos);
      if (partial.empty()) continue;
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        throw_error(Error::Kind::kIo, "mkdir {}: {}", partial, io_message(errno));
      }
    }
  }

  // The directory fd holding `path`'s last component, opened component by
  // component with O_NOFOLLOW from the root: a symlink anywhere on the way
  // fails with ELOOP/ENOTDIR instead of being followed.
  int parent_fd(std::string_view path) {
    const std::string_view parent = parent_of(path);
    if (parent.empty()) return root_fd_.get();
    if (cached_parent_fd_.get() >= 0 && parent == cached_parent_) return cached_parent_fd_.get();
    UniqueFd current(::dup(root_fd_.get()));
    for (std::string_view part : split_rel_path(parent)) {
      const std::string name(part);
      UniqueFd next(::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (next.get() < 0) {
        const int err = errno;
        if (err == ELOOP || err == ENOTDIR) {
          throw_error(Error::Kind::kIo,
                      "{}: a component of the parent directory is not a directory (a symlink?); "
                      "refusing to write through it",
                      where(path));
        }
        throw_error(Error::Kind::kIo, "open parent directory of {}: {}", where(path), std::strerror(err));
      }
      current = std::move(next);
    }
    cached_parent_ = std::string(parent);
    cached_parent_fd_ = std::move(current);
    return cached_parent_fd_.get();
  }

  void forget_parent() {
    cached_parent_.clear();
    cached_parent_fd_.reset();
  }

  void set_owner_at(int dirfd, const std::string& name, const Meta& meta, const std::string& path) {
    if (!options_.set_owner) return;
    const uid_t uid = options_.numeric_ids || meta.user.empty() ? meta.uid : lookup_uid(meta.user, meta.uid);
    const gid_t gid = options_.numeric_ids || meta.group.empty() ? meta.gid : lookup_gid(meta.group, meta.gid);
    if (::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      throw_error(Error::Kind::kIo, "chown {}: {}", where(path), std::strerror(errno));
    }
  }

  // False when there is no state yet or the last run did not finish (its
  // `dirty` flag is still there): then the caller scans the destination.
  bool index_usable() {
    pool_.drain();
    if (state_fd_.get() < 0) return false;
    if (::faccessat(state_fd_.get(), "dirty", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
      log::info("mirror: the last run into {} did not finish; scanning the destination", root_);
      return false;
    }
    return true;
  }

  // Calls `use` with the bytes of the state file `name` mapped read-only
  // (not at all when it does not exist).
  void map_state_file(const char* name, const std::function<void(std::string_view)>& use) {
    UniqueFd fd(::openat(state_fd_.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return;
      throw_error(Error::Kind::kIo, "open {}/{}: {}", where(kStateDirName), name, std::strerror(errno));
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
      throw_error(Error::Kind::kIo, "stat {}/{}: {}", where(kStateDirName), name, std::strerror(errno));
    }
    if (st.st_size == 0) return use({});
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
    if (map == MAP_FAILED) {
      throw_error(Error::Kind::kIo, "mmap {}/{}: {}", where(kStateDirName), name, std::strerror(errno));
    }
    struct Unmap {
      void* map;
      size_t size;
      ~Unmap() { ::munmap(map, size); }
    } unmap{map, size};
    use(std::string_view(static_cast<const char*>(map), size));
  }

  std::optional<std::string> read_state_file(const char* name) {
    if (state_fd_.get() < 0) return std::nullopt;
    UniqueFd fd(::openat(state_fd_.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return std::nullopt;
      throw_error(Error::Kind::kIo, "open {}/{}: {}", where(kStateDirName), name, std::strerror(errno));
    }
    // Read straight into a string of the file's size (the index of a big
    // tree is megabytes; no chunk copies), growing if it grew meanwhile.
    struct stat st;
    std::string out(::fstat(fd.get(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096, '\0');
    size_t done = 0;
    while (true) {
      if (done == out.size()) out.resize(out.size() * 2);
      const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_error(Error::Kind::kIo, "read {}/{}: {}", where(kStateDirName), name, std::strerror(errno));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    out.resize(done);
    return out;
  }

  void write_state_file(const char* name, const std::string& bytes) {
    const std::string temp = temp_name();
    UniqueFd fd(::openat(state_fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_error(Error::Kind::kIo, "create {}/{}: {}", where(kStateDirName), name, io_message(errno));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlinkat(state_fd_.get(), temp.c_str(), 0);
        throw_error(Error::Kind::kIo, "write {}/{}: {}", where(kStateDirName), name, io_message(err));
      }
      done += static_cast<size_t>(n);
    }
    if (options_.fsync) ::fsync(fd.get());
    if (::renameat(state_fd_.get(), temp.c_str(), state_fd_.get(), name) != 0) {
      const int err = errno;
      ::unlinkat(state_fd_.get(), temp.c_str(), 0);
      throw_error(Error::Kind::kIo, "rename {}/{}: {}", where(kStateDirName), name, io_message(err));
    }
  }

  std::string root_;
  DestinationOptions options_;
  bool read_only_ = false;
  UniqueFd root_fd_, state_fd_, lock_fd_;
  // The parent directory of the last path written. Guarded by parent_mu_
  // where copy threads meet (open_file, a publish that replaced a
  // directory); the other calls run while no copy does.
  std::mutex parent_mu_;
  std::string cached_parent_;
  UniqueFd cached_parent_fd_;
  // Renames that replace an existing file (task_pool.h), up to 16 at once:
  // such a rename frees the old file's blocks, and on a file system mounted
  // with `discard` that waits for the device's discard (submit_bio_wait
  // under ext4_free_blocks), I/O latency rather than CPU. 300 replaced files
  // of a 3% cycle: copy phase 123-135 ms with 4 threads, 94-108 ms with 8,
  // 103 ms with 16 (bench/RESULTS.md). Last: its destructor finishes the
  // queued renames while the rest is alive.
  TaskPool pool_{16, 64};
};

void LocalFileSink::write(const uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_.get(), data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      abort();
      throw_error(Error::Kind::kIo, "write {}: {}", owner_.where(path_), io_message(err));
    }
    done += static_cast<size_t>(n);
  }
}

std::optional<uint64_t> LocalFileSink::copy_from_fd(int src_fd, uint64_t max_bytes) {
  while (true) {
    const ssize_t n = ::copy_file_range(src_fd, nullptr, fd_.get(), nullptr, static_cast<size_t>(max_bytes), 0);
    if (n >= 0) {
      copied_in_kernel_ = true;
      return static_cast<uint64_t>(n);
    }
    if (errno == EINTR) continue;
    const int err = errno;
    // Not supported between these two files (another file system, an old
    // kernel, a special file): the caller falls back to read/write. Nothing
    // was written yet, so the fallback starts from the same offsets.
    if (!copied_in_kernel_ && (err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EBADF)) {
      return std::nullopt;
    }
    abort();
    throw_error(Error::Kind::kIo, "copy_file_range into {}: {}", owner_.where(path_), io_message(err));
  }
}

void LocalFileSink::commit(const Entry& entry) {
  try {
    owner_.apply_meta(fd_.get(), entry.meta, path_);
    if (owner_.options().fsync && ::fsync(fd_.get()) != 0) {
      throw_error(Error::Kind::kIo, "fsync {}: {}", owner_.where(path_), io_message(errno));
    }
    // close() can report a delayed write error (NFS, full disk): check it.
    if (::close(fd_.release()) != 0)
      throw_error(Error::Kind::kIo, "close {}: {}", owner_.where(path_), io_message(errno));
    std::string temp = std::move(temp_);
    temp_.clear();  // the temp is publish_file's now (it removes it on failure)
    owner_.publish_file(std::move(dirfd_), temp, path_);
  } catch (...) {
    abort();
    throw;
  }
}

}  // namespace

std::unique_ptr<Destination> make_local_destination(const std::string& root, const DestinationOptions& options) {
  return std::make_unique<LocalDestination>(root, options);
}

}  // namespace galaxis::fsmirror
