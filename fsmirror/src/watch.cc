// `mirror --watch` (watch.h): inotify hints -> full cycles.
#include "galaxis/fsmirror/watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

class Watcher {
 public:
  explicit Watcher(std::string root) : root_(std::move(root)) {
    // Test seam: behave as if fs.inotify.max_user_watches ran out after N
    // watches. The real limit is per user but set machine-wide, so a test
    // cannot lower it without breaking every other inotify user on the host.
    if (const char* limit = std::getenv("GALAXIS_MIRROR_TEST_MAX_WATCHES"); limit != nullptr && *limit != '\0') {
      max_watches_ = std::strtoull(limit, nullptr, 10);
    }
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
      log::warn("mirror: inotify unavailable ({}); falling back to a full rescan every few seconds",
                std::strerror(errno));
      polling_ = true;
    }
  }
  ~Watcher() {
    if (fd_ >= 0) ::close(fd_);
  }

  int fd() const { return fd_; }
  bool polling() const { return polling_; }
  const std::unordered_map<std::string, MirrorOptions::ClosedFile>& closed() const { return closed_; }

  // Watches the root and every directory of `scan` (existing watches are
  // kept: inotify returns the same descriptor for the same inode).
  void watch_tree(const ScanResult& scan) {
    if (polling_) return;
    add(root_, "");
    for (const Entry& e : scan.entries) {
      if (polling_) return;
      if (e.meta.type == NodeType::kDir) add(root_ + "/" + e.path, e.path);
    }
  }

  // Reads pending events; true when anything under SRC may have changed.
  bool drain() {
    if (fd_ < 0) return false;
    bool changed = false;
    alignas(inotify_event) char buf[64 * 1024];
    while (true) {
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        throw_error(Error::Kind::kIo, "read inotify: {}", std::strerror(errno));
      }
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        changed = true;
        if (ev->mask & IN_Q_OVERFLOW) {
          log::warn("mirror: inotify queue overflowed (more changes than it holds); running a full rescan");
          ++overflows_;
          continue;
        }
        auto dir = paths_.find(ev->wd);
        if (ev->mask & IN_IGNORED) {
          if (dir != paths_.end()) paths_.erase(dir);
          continue;
        }
        if (dir == paths_.end() || ev->len == 0) continue;
        const std::string name(ev->name);
        const std::string rel = dir->second.empty() ? name : dir->second + "/" + name;
        if (ev->mask & (IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE)) closed_.erase(rel);
        if (ev->mask & IN_CLOSE_WRITE) {
          struct stat st;
          if (::lstat((root_ + "/" + rel).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            closed_[rel] =
                MirrorOptions::ClosedFile{static_cast<uint64_t>(st.st_size),
                                          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
          }
        }
      }
    }
    return changed;
  }

  uint64_t overflows() const { return overflows_; }
  void forget_closed() {
    if (closed_.size() > 100000) closed_.clear();  // bounded: a stale entry only skips a settle wait
  }

 private:
  void add(const std::string& full, const std::string& rel) {
    int wd = -1;
    if (max_watches_ > 0 && paths_.size() >= max_watches_) {
      errno = ENOSPC;
    } else {
      wd = ::inotify_add_watch(fd_, full.c_str(), kWatchMask);
    }
    if (wd < 0) {
      if (errno == ENOSPC || errno == ENOMEM) {
        log::warn(
            "mirror: inotify watches exhausted at {} directories (fs.inotify.max_user_watches); falling back "
            "to a full rescan every few seconds",
            paths_.size());
        polling_ = true;
        return;
      }
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return;  // gone or replaced: next cycle
      throw_error(Error::Kind::kIo, "inotify_add_watch {}: {}", printable_path(full), std::strerror(errno));
    }
    paths_[wd] = rel;
  }

  std::string root_;
  int fd_ = -1;
  bool polling_ = false;
  uint64_t max_watches_ = 0;  // 0 = the kernel's limit only
  uint64_t overflows_ = 0;
  std::unordered_map<int, std::string> paths_;
  std::unordered_map<std::string, MirrorOptions::ClosedFile> closed_;
};

}  // namespace

int run_watch(Destination& first_dest, const MirrorOptions& base, const WatchOptions& watch, std::atomic<bool>* stop) {
  Destination* dest = &first_dest;
  bool reconnect_needed = false;
  Watcher watcher(base.source);
  MirrorOptions options = base;
  options.settle_wait_max_seconds = 0;  // unsettled files: a later cycle, not a wait inside this one
  options.stop = stop;
  options.closed_files = &watcher.closed();
  options.on_source_scanned = [&](const ScanResult& scan) { watcher.watch_tree(scan); };
  bool changed_during_cycle = false;
  options.refresh_closed_files = [&] { changed_during_cycle |= watcher.drain(); };

  const double settle = std::max(0.0, base.settle_seconds);
  const double rescan_every = std::max(1.0, settle);
  bool pending = true;  // the first cycle runs at once
  bool verify_next = base.verify;
  Clock::time_point due = Clock::now();
  Clock::time_point next_verify = Clock::now() + seconds(watch.verify_interval_seconds);
  Clock::time_point last_cycle = Clock::now();
  while (!stop->load()) {
    if (pending && Clock::now() >= due) {
      pending = false;
      last_cycle = Clock::now();
      options.verify = verify_next || Clock::now() >= next_verify;
      if (options.verify) next_verify = Clock::now() + seconds(watch.verify_interval_seconds);
      verify_next = false;
      watcher.drain();  // events up to here are covered by this cycle's scan
      CycleResult result;
      std::string error;
      try {
        if (reconnect_needed) {
          log::info("mirror: reconnecting to the destination");
          dest = watch.reconnect();
          reconnect_needed = false;
        }
        result = run_cycle(*dest, options);
      } catch (const Error& e) {
        if (stop->load()) break;
        error = e.what();
        if ((e.retryable() || reconnect_needed) && watch.reconnect) reconnect_needed = true;
      }
      if (watch.on_cycle) watch.on_cycle(result, error);
      if (changed_during_cycle) {
        // Events read during the cycle (by the closed-file re-check) still ask for a cycle.
        changed_during_cycle = false;
        pending = true;
        due = Clock::now() + std::chrono::milliseconds(50);
      }
      if (!error.empty()) {
        log::error("mirror: cycle failed: {}; retrying in 5 s", error);
        pending = true;
        verify_next = true;  // the destination may be half-updated: compare it, not the index
        due = Clock::now() + std::chrono::seconds(5);
      } else if (result.refused) {
        log::error("mirror: refused: {}; retrying on the next change (--force-delete overrides once)", result.refusal);
      } else {
        if (result.files_copied + result.deleted + result.symlinks_made > 0) {
          log::info("mirror: cycle {}: {} files ({} bytes), {} symlinks copied, {} deleted in {:.2f}s", result.sequence,
                    result.files_copied, result.bytes_copied, result.symlinks_made, result.deleted, result.seconds);
        }
        if (result.unsettled > 0) {
          // Still being written: look again once they may have settled.
          pending = true;
          due = Clock::now() + seconds(std::max(0.05, settle / 2));
        }
      }
      watcher.forget_closed();
    }
    if (watch.heartbeat_seconds > 0 && !pending && Clock::now() - last_cycle >= seconds(watch.heartbeat_seconds)) {
      pending = true;
      due = Clock::now();
    }
    if (watcher.polling() && !pending) {
      pending = true;
      due = Clock::now() + seconds(rescan_every);
    }
    // Sleep until an event, the due cycle, or the verify time.
    Clock::time_point wake = next_verify;
    if (watch.heartbeat_seconds > 0) wake = std::min(wake, last_cycle + seconds(watch.heartbeat_seconds));
    if (pending) wake = std::min(wake, due);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
    const int timeout = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
    pollfd pfd{watcher.fd(), POLLIN, 0};
    const int ready = watcher.fd() >= 0 ? ::poll(&pfd, 1, timeout) : (::usleep(timeout * 1000), 0);
    if (ready < 0 && errno != EINTR) throw_error(Error::Kind::kIo, "poll inotify: {}", std::strerror(errno));
    if (ready > 0 && watcher.drain()) {
      if (!pending) {
        pending = true;
        // A short debounce gathers a burst of events into one cycle.
        due = Clock::now() + std::chrono::milliseconds(50);
      }
    }
    if (Clock::now() >= next_verify && !pending) {
      pending = true;
      due = Clock::now();
    }
  }
  log::info("mirror: stopped");
  return 0;
}

}  // namespace galaxis::fsmirror
