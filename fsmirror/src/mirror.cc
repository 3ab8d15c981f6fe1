// One mirror cycle (mirror.h).
#include "galaxis/fsmirror/mirror.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/hash.h"
#include "galaxis/fsmirror/progress.h"
#include "galaxis/fsmirror/rel_path.h"
#include "open_beneath.h"
#include "task_pool.h"

namespace galaxis::fsmirror {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxReadAttempts = 5;
// Bytes per copy_file_range call: a stop request is seen between calls.
constexpr uint64_t kKernelChunk = 64ULL << 20;

int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

int64_t ctime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
}

struct SourceFd {
  int fd = -1;
  ~SourceFd() {
    if (fd >= 0) ::close(fd);
  }
};

enum class CopyOutcome { kDone, kVanished, kUnsettled, kUnstable };

// The copy steps [first, last) of a plan, one file from each directory in
// turn: copies running at once then create their temps and rename in
// different directories instead of queueing on one directory's lock (the
// plan lists a directory's files together, in path order).
std::vector<const Step*> interleave_by_directory(const std::vector<Step>& steps, size_t first, size_t last) {
  std::vector<std::vector<const Step*>> groups;
  std::unordered_map<std::string_view, size_t> group_of;
  for (size_t i = first; i < last; ++i) {
    const auto [it, inserted] = group_of.emplace(parent_of(steps[i].entry.path), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&steps[i]);
  }
  std::vector<const Step*> out;
  out.reserve(last - first);
  std::vector<size_t> active(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) active[g] = g;
  for (size_t round = 0; !active.empty(); ++round) {
    size_t still = 0;
    for (const size_t g : active) {
      out.push_back(groups[g][round]);
      if (round + 1 < groups[g].size()) active[still++] = g;
    }
    active.resize(still);
  }
  return out;
}

class Cycle {
 public:
  Cycle(Destination& dest, const MirrorOptions& options, CycleResult& result)
      : dest_(dest), options_(options), result_(result) {}

  void run(std::future<ScanResult> prescan) {
    const auto started = Clock::now();
    ScanOptions scan_options = source_scan_options(options_);
    std::optional<Index> index;
    if (!options_.verify) index = dest_.load_index();
    if (index && options_.checksum && std::any_of(index->entries.begin(), index->entries.end(), [](const Entry& e) {
          return e.meta.type == NodeType::kFile && !hash_known(e.hash);
        })) {
      // Files copied without --checksum have no content hash in the index
      // (hashing every copy cost more CPU than the copy itself): compare
      // against DEST's content as rsync --checksum does, by reading it.
      log::info("mirror: --checksum and the index of {} lacks content hashes; hashing the destination",
                dest_.describe());
      index.reset();
    }
    // The destination's view: the index of the last complete cycle, or a scan.
    uint64_t last_dev = 0, sequence = 0;
    std::vector<Entry> dest_view;
    read_marker_state(&last_dev, &sequence);  // the marker holds the sequence
    const auto index_loaded = Clock::now();
    // A scan begun before the destination was opened (over ssh it overlaps
    // the handshake and the far side's start), else scanned now, its vector
    // sized from the index. A local destination scans here: its index loads
    // in a few ms, and a scan thread's start and hand-off cost more than that
    // overlap saved (callgrind +3M instructions, slower on a loaded machine).
    ScanResult source;
    if (prescan.valid()) {
      source = prescan.get();
    } else {
      if (index) scan_options.expected_entries = index->entries.size() + index->entries.size() / 8 + 16;
      source = scan_tree(options_.source, scan_options);
    }
    const auto source_scanned = Clock::now();
    result_.source_stats = source.stats;
    if (options_.on_source_scanned) options_.on_source_scanned(source);
    if (source.stats.special > 0) {
      warn(fmt::format("skipped {} sockets, FIFOs or devices in {}", source.stats.special, options_.source));
    }
    if (source.stats.hardlinked > 0) {
      warn(fmt::format("{} files with several hard links copied as separate files", source.stats.hardlinked));
    }

    if (index) {
      last_dev = index->source_dev;
      dest_view = std::move(index->entries);
    } else {
      ScanResult scanned = dest_.scan(options_.checksum);
      dest_view = std::move(scanned.entries);
      for (Entry& e : dest_view) e.inode = 0;  // the destination's inodes say nothing about the source's
    }

    PlanOptions plan_options;
    plan_options.checksum = options_.checksum;
    plan_options.delete_extra = options_.delete_extra;
    plan_options.owners = options_.owners;
    plan_options.excludes = &scan_options.excludes;
    Plan plan = compute_plan(source.entries, dest_view, plan_options);
    result_.planned = plan.counts;
    const auto planned = Clock::now();

    GuardInput guard;
    guard.source_exists = source.root_exists;
    guard.source_nodes = source.entries.size();
    guard.source_dev = source.root_dev;
    guard.last_source_dev = last_dev;
    guard.dest_nodes = dest_view.size();
    guard.dest_files = static_cast<uint64_t>(std::count_if(
        dest_view.begin(), dest_view.end(), [](const Entry& e) { return e.meta.type != NodeType::kDir; }));
    guard.delete_files = plan.counts.delete_files;
    guard.max_delete = options_.max_delete;
    guard.force = options_.force_delete;
    if (std::optional<std::string> refusal = check_guard(guard)) {
      result_.refused = true;
      result_.refusal = *refusal;
      result_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
      return;
    }
    if (!source.root_exists) throw_error(Error::Kind::kIo, "source {} does not exist", options_.source);

    if (options_.dry_run) {
      print_dry_run(plan);
      result_.complete = true;
      result_.sequence = sequence;
      result_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
      return;
    }

    root_fd_ = ::open(options_.source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw_error(Error::Kind::kIo, "open {}: {}", options_.source, std::strerror(errno));
    struct RootCloser {
      int fd;
      ~RootCloser() { ::close(fd); }
    } closer{root_fd_};

    progress_.emplace(options_.progress, plan.counts.files, plan.counts.bytes);
    if (!plan.empty()) dest_.begin_cycle();
    run_steps(plan);
    if (!plan.empty() || index == std::nullopt) dest_.set_root_meta(source.root_meta);
    progress_->finish();
    const auto copied = Clock::now();

    result_.complete = result_.unsettled == 0;
    result_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (result_.complete) {
      // The marker is rewritten after every complete cycle (its time answers
      // "how old is the last consistent copy"); the index only when it changed.
      Index next;
      next.source_dev = source.root_dev;
      next.sequence = sequence + 1;
      const bool index_changed = !plan.empty() || !index || index->source_dev != source.root_dev;
      if (index_changed) {
        next.entries = next_index(std::move(source.entries), dest_view, plan_options);
      } else {
        next.entries = std::move(dest_view);
      }
      result_.sequence = next.sequence;
      dest_.finish_cycle(next, index_changed, marker_json(next, source));
    } else if (!plan.empty()) {
      // Incomplete only because some files are still being written: DEST
      // holds complete files only and the index can say exactly which (those
      // files keep their old entries), so the next cycle need not rescan DEST.
      // The marker stays at the last complete cycle.
      Index next;
      next.source_dev = source.root_dev;
      next.sequence = sequence;
      next.entries = next_index(std::move(source.entries), dest_view, plan_options);
      dest_.finish_cycle(next, true, "");
    }
    // Where a cycle's time goes (bench/mirror reads these at --log-level debug).
    const auto ms = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    log::debug(
        "mirror: cycle phases: index+marker read {:.1f} ms, source scan (or the wait for it) {:.1f} ms, destination "
        "view + "
        "plan {:.1f} ms, copy {:.1f} ms, index+marker written {:.1f} ms",
        ms(started, index_loaded), ms(index_loaded, source_scanned), ms(source_scanned, planned), ms(planned, copied),
        ms(copied, Clock::now()));
  }

 private:
  void warn(const std::string& message) {
    log::warn("mirror: {}", message);
    result_.warnings.push_back(message);
  }

  void read_marker_state(uint64_t* dev, uint64_t* sequence) {
    const std::string text = dest_.read_marker();
    if (text.empty()) return;
    try {
      const nlohmann::json j = nlohmann::json::parse(text);
      *dev = j.value("source_dev", uint64_t{0});
      *sequence = j.value("sequence", uint64_t{0});
    } catch (const nlohmann::json::exception& e) {
      log::warn("mirror: ignoring unreadable completion marker on {}: {}", dest_.describe(), e.what());
    }
  }

  void print_dry_run(const Plan& plan) {
    auto out = [&](const std::string& line) {
      if (options_.dry_run_line) {
        options_.dry_run_line(line);
      } else {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
      }
    };
    for (const Step& step : plan.steps) {
      const std::string path = printable_path(step.entry.path);
      switch (step.kind) {
        case StepKind::kMakeDir: out("mkdir   " + path + "/"); break;
        case StepKind::kCopyFile: out(fmt::format("copy    {} ({} bytes)", path, step.entry.meta.size)); break;
        case StepKind::kMakeSymlink:
          out("symlink " + path + " -> " + printable_path(step.entry.meta.link_target));
          break;
        case StepKind::kSetMeta: out("meta    " + path); break;
        case StepKind::kDelete: out("delete  " + path + (step.entry.meta.type == NodeType::kDir ? "/" : "")); break;
        case StepKind::kDirMeta: break;
      }
    }
    std::fflush(stdout);
  }

  // The plan's steps in order, file copies on the copy threads when the
  // destination allows it. Any other step first waits for the copies before
  // it: directories exist before files go in, deletions come after every
  // addition.
  void run_steps(const Plan& plan) {
    if (dest_.concurrent_file_sinks() && options_.copy_threads > 1 && options_.bwlimit_bytes_per_second == 0 &&
        plan.counts.files > 1) {
      copies_.emplace(options_.copy_threads, 2 * options_.copy_threads);
    }
    // A failure leaves this frame while copies may still be running with
    // pointers into `plan` and `deferred`: wait for them first.
    struct WaitForCopies {
      std::optional<TaskPool>& pool;
      ~WaitForCopies() {
        if (pool) pool->wait();
      }
    } on_exit{copies_};
    std::vector<const Step*> deferred;
    for (size_t i = 0; i < plan.steps.size();) {
      const Step& step = plan.steps[i];
      if (copies_ && step.kind == StepKind::kCopyFile) {
        size_t end = i + 1;
        while (end < plan.steps.size() && plan.steps[end].kind == StepKind::kCopyFile) ++end;
        for (const Step* copy : interleave_by_directory(plan.steps, i, end)) run_step(*copy, &deferred);
        i = end;
        continue;
      }
      wait_for_copies();
      if ((step.kind == StepKind::kDelete || step.kind == StepKind::kDirMeta) && !deferred.empty()) {
        // Deletions only after every addition, including the files that
        // were still being written when first seen.
        copy_deferred(deferred);
        deferred.clear();
      }
      run_step(step, &deferred);
      ++i;
    }
    wait_for_copies();
    copy_deferred(deferred);
  }

  void wait_for_copies() {
    if (copies_) copies_->drain();
  }

  void run_step(const Step& step, std::vector<const Step*>* deferred) {
    switch (step.kind) {
      case StepKind::kMakeDir:
        dest_.make_dir(step.entry, step.replaces_other_type);
        ++result_.dirs_made;
        break;
      case StepKind::kCopyFile:
        if (copies_) {
          copies_->post([this, &step, deferred](bool skipped) {
            if (!skipped) copy_step(step, deferred);
          });
        } else {
          copy_step(step, deferred);
        }
        break;
      case StepKind::kMakeSymlink:
        dest_.make_symlink(step.entry);
        ++result_.symlinks_made;
        break;
      case StepKind::kSetMeta:
      case StepKind::kDirMeta:
        dest_.set_meta(step.entry);
        if (step.kind == StepKind::kSetMeta) ++result_.meta_set;
        break;
      case StepKind::kDelete:
        dest_.remove(step.entry);
        ++result_.deleted;
        break;
    }
  }

  // Copies one planned file (on a copy thread or the cycle's own).
  void copy_step(const Step& step, std::vector<const Step*>* deferred) {
    const CopyOutcome outcome = copy_file(step.entry, deferred != nullptr);
    const std::lock_guard<std::mutex> lock(mu_);
    if (outcome == CopyOutcome::kUnsettled && deferred != nullptr) {
      deferred->push_back(&step);
    } else {
      count_outcome(step, outcome);
    }
  }

  // Called with mu_ held (or while no copy runs).
  void count_outcome(const Step& step, CopyOutcome outcome) {
    if (outcome == CopyOutcome::kVanished) {
      ++result_.vanished;
      failed_.insert(step.entry.path);
    } else if (outcome == CopyOutcome::kUnsettled || outcome == CopyOutcome::kUnstable) {
      ++result_.unsettled;
      failed_.insert(step.entry.path);
      if (options_.settle_wait_max_seconds > 0) {
        warn(fmt::format("{}: still being written, left for a later cycle", printable_path(step.entry.path)));
      } else {
        log::debug("mirror: {}: still being written, left for a later cycle", printable_path(step.entry.path));
      }
    }
  }

  // Waits for deferred (recently modified) files to settle, copying each once
  // it has been stable for --settle seconds, up to settle_wait_max_seconds.
  void copy_deferred(const std::vector<const Step*>& deferred) {
    std::vector<const Step*> pending = deferred;
    const auto give_up = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options_.settle_wait_max_seconds));
    while (!pending.empty()) {
      std::vector<const Step*> still;
      for (const Step* step : pending) {
        const CopyOutcome outcome = copy_file(step->entry, true);
        if (outcome == CopyOutcome::kUnsettled) {
          still.push_back(step);
        } else {
          const std::lock_guard<std::mutex> lock(mu_);
          count_outcome(*step, outcome);
        }
      }
      pending.swap(still);
      if (pending.empty()) break;
      if (Clock::now() >= give_up) {
        const std::lock_guard<std::mutex> lock(mu_);
        for (const Step* step : pending) count_outcome(*step, CopyOutcome::kUnsettled);
        break;
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::clamp<int64_t>(static_cast<int64_t>(options_.settle_seconds * 250), 20, 500)));
    }
  }

  // Copies one file; `may_defer`: a file modified within --settle seconds is
  // not read now (kUnsettled).
  CopyOutcome copy_file(const Entry& planned, bool may_defer) {
    for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
      SourceFd src{open_beneath(root_fd_, planned.path, O_RDONLY)};
      if (src.fd < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == EXDEV) return CopyOutcome::kVanished;
        throw_error(Error::Kind::kIo, "open {}/{}: {}", options_.source, printable_path(planned.path),
                    std::strerror(errno));
      }
      struct stat before;
      if (::fstat(src.fd, &before) != 0 || !S_ISREG(before.st_mode)) return CopyOutcome::kVanished;
      const auto settle_ns = static_cast<int64_t>(options_.settle_seconds * 1e9);
      bool via_close = false;
      if (settle_ns > 0 && now_ns() - mtime_ns(before) < settle_ns) {
        const std::lock_guard<std::mutex> lock(closed_mu_);
        via_close = closed_since_written(planned.path, before);
        (void)may_defer;
        if (!via_close) return CopyOutcome::kUnsettled;
      }
      ::posix_fadvise(src.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      std::unique_ptr<FileSink> sink = dest_.open_file(planned.path);
      // The content hash is only needed by --checksum (the index keeps it for
      // the next such cycle); without it a local copy stays in the kernel
      // (copy_file_range), and nothing is read into user space at all.
      const bool hash = options_.checksum;
      bool in_kernel = !hash && options_.bwlimit_bytes_per_second == 0;
      std::optional<Sha256> sha;  // a fresh one per attempt
      if (hash) sha.emplace();
      // One read buffer per copy thread, made on its first read()/write() copy.
      thread_local std::vector<uint8_t> buffer;
      if (!in_kernel && buffer.empty()) buffer.resize(1 << 20);
      const auto expected = static_cast<uint64_t>(before.st_size);
      uint64_t total = 0;
      while (true) {
        if (options_.stop != nullptr && options_.stop->load()) {
          sink->abort();
          throw_error(Error::Kind::kRuntime, "stopped by a signal while copying {} (not published)",
                      printable_path(planned.path));
        }
        uint64_t n = 0;
        if (in_kernel) {
          // Stops at the size seen by fstat: a file that grew meanwhile has a
          // new size or mtime in the second fstat below and is read again.
          if (total >= expected) break;
          const std::optional<uint64_t> copied = sink->copy_from_fd(src.fd, std::min(expected - total, kKernelChunk));
          if (!copied) {
            in_kernel = false;  // not possible here: read/write (nothing was copied yet)
            if (buffer.empty()) buffer.resize(1 << 20);
            continue;
          }
          n = *copied;
        } else {
          const ssize_t got = ::read(src.fd, buffer.data(), buffer.size());
          if (got < 0) {
            if (errno == EINTR) continue;
            throw_error(Error::Kind::kIo, "read {}/{}: {}", options_.source, printable_path(planned.path),
                        std::strerror(errno));
          }
          n = static_cast<uint64_t>(got);
          if (n > 0) {
            if (sha) sha->update(buffer.data(), n);
            sink->write(buffer.data(), n);
          }
        }
        if (n == 0) break;
        total += n;
        {
          const std::lock_guard<std::mutex> lock(mu_);
          progress_->add_bytes(n);
        }
        throttle(n);
      }
      struct stat after;
      if (::fstat(src.fd, &after) != 0) {
        throw_error(Error::Kind::kIo, "fstat {}/{}: {}", options_.source, printable_path(planned.path),
                    std::strerror(errno));
      }
      if (after.st_size != before.st_size || mtime_ns(after) != mtime_ns(before) ||
          ctime_ns(after) != ctime_ns(before) || total != static_cast<uint64_t>(before.st_size)) {
        // Changed while we read it: never publish this copy.
        sink->abort();
        {
          const std::lock_guard<std::mutex> lock(mu_);
          ++result_.reread;
        }
        log::debug("mirror: {} changed while being read; reading it again", printable_path(planned.path));
        continue;
      }
      if (via_close && options_.refresh_closed_files) {
        const std::lock_guard<std::mutex> lock(closed_mu_);  // the refresh rewrites the map the others read
        options_.refresh_closed_files();
        if (!closed_since_written(planned.path, after)) {
          sink->abort();  // written again since its close: wait for it to settle
          return CopyOutcome::kUnsettled;
        }
      }
      Entry copied = planned;
      copied.inode = after.st_ino;
      copied.meta.size = total;
      copied.meta.mode = after.st_mode & 07777;
      copied.meta.mtime_ns = mtime_ns(after);
      copied.meta.uid = after.st_uid;
      copied.meta.gid = after.st_gid;
      if (options_.owners && !options_.numeric_ids) {
        copied.meta.user = user_name(after.st_uid);
        copied.meta.group = group_name(after.st_gid);
      }
      copied.hash = sha ? sha->finish() : ContentHash{};  // unknown without --checksum
      sink->commit(copied);
      const std::lock_guard<std::mutex> lock(mu_);
      ++result_.files_copied;
      result_.bytes_copied += total;
      progress_->add_file();
      copied_.emplace(copied.path, std::move(copied));
      return CopyOutcome::kDone;
    }
    return CopyOutcome::kUnstable;
  }

  bool closed_since_written(const std::string& path, const struct stat& st) const {
    if (options_.closed_files == nullptr) return false;
    auto it = options_.closed_files->find(path);
    return it != options_.closed_files->end() && it->second.size == static_cast<uint64_t>(st.st_size) &&
           it->second.mtime_ns == mtime_ns(st);
  }

  // --bwlimit: sleeps so that the bytes read so far do not exceed the rate
  // (one copy at a time then: run_steps starts no copy threads).
  void throttle(uint64_t n) {
    if (options_.bwlimit_bytes_per_second == 0) return;
    if (throttled_bytes_ == 0) throttle_start_ = Clock::now();
    throttled_bytes_ += n;
    const auto due =
        throttle_start_ +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
            static_cast<double>(throttled_bytes_) / static_cast<double>(options_.bwlimit_bytes_per_second)));
    std::this_thread::sleep_until(due);
  }

  // The index after this cycle: the source as mirrored, plus the
  // destination-only nodes that were kept (excluded, or no --delete). Built
  // in place in the source scan (consumed) by one merge walk with the
  // destination's view, both in path order: no map of 10,000 paths and no
  // second vector of entries (that was 6-16 ms of a 3% cycle).
  std::vector<Entry> next_index(std::vector<Entry>&& source, const std::vector<Entry>& dest,
                                const PlanOptions& plan_options) {
    std::vector<std::string> removed;  // a directory replaced by a non-directory (rare)
    std::vector<Entry> kept;           // destination-only nodes that stay
    const auto consider_dest_only = [&](const Entry& d) {
      if (plan_options.delete_extra && !excluded_path(d, plan_options)) return;  // deleted
      for (const std::string& dir : removed) {
        if (d.path.size() > dir.size() && d.path.compare(0, dir.size(), dir) == 0 && d.path[dir.size()] == '/') return;
      }
      kept.push_back(d);
    };
    size_t j = 0;            // next destination entry
    size_t kept_source = 0;  // entries of `source` kept so far (failed copies of a new type drop out)
    for (size_t i = 0; i < source.size(); ++i) {
      Entry& s = source[i];
      while (j < dest.size() && dest[j].path < s.path) consider_dest_only(dest[j++]);
      const Entry* d = j < dest.size() && dest[j].path == s.path ? &dest[j++] : nullptr;
      if (d != nullptr && d->meta.type == NodeType::kDir && s.meta.type != NodeType::kDir) {
        removed.push_back(s.path);
      }
      Entry& out = source[kept_source];
      if (!failed_.empty() && failed_.count(s.path) != 0) {
        // Not copied this cycle: the destination still holds what it held.
        if (d != nullptr && d->meta.type == s.meta.type) {
          out = *d;
          ++kept_source;
        }
        continue;
      }
      if (auto c = copied_.find(s.path); c != copied_.end()) {
        out = std::move(c->second);
        ++kept_source;
        continue;
      }
      if (s.meta.type == NodeType::kFile && !hash_known(s.hash) && d != nullptr && d->meta.same_content_meta(s.meta)) {
        s.hash = d->hash;
      }
      if (&out != &s) out = std::move(s);
      ++kept_source;
    }
    while (j < dest.size()) consider_dest_only(dest[j++]);
    source.resize(kept_source);
    if (kept.empty()) return std::move(source);
    // Both parts are in path order already: merging them is linear.
    const auto by_path = [](const Entry& a, const Entry& b) { return a.path < b.path; };
    const auto middle = static_cast<std::ptrdiff_t>(source.size());
    source.insert(source.end(), std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
    std::inplace_merge(source.begin(), source.begin() + middle, source.end(), by_path);
    return std::move(source);
  }

  static bool excluded_path(const Entry& e, const PlanOptions& plan_options) {
    if (plan_options.excludes == nullptr || plan_options.excludes->empty()) return false;
    if (plan_options.excludes->excluded(e.path, e.meta.type == NodeType::kDir)) return true;
    for (size_t pos = e.path.find('/'); pos != std::string::npos; pos = e.path.find('/', pos + 1)) {
      if (plan_options.excludes->excluded(std::string_view(e.path).substr(0, pos), true)) return true;
    }
    return false;
  }

  std::string marker_json(const Index& next, const ScanResult& source) {
    uint64_t files = 0, dirs = 0, symlinks = 0, bytes = 0;
    for (const Entry& e : next.entries) {
      if (e.meta.type == NodeType::kFile) {
        ++files;
        bytes += e.meta.size;
      } else if (e.meta.type == NodeType::kDir) {
        ++dirs;
      } else {
        ++symlinks;
      }
    }
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    const int64_t now = now_ns();
    const auto secs = static_cast<time_t>(now / 1000000000);
    tm utc;
    ::gmtime_r(&secs, &utc);
    char when[32];
    std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc);
    nlohmann::json j = {{"sequence", next.sequence},
                        {"completed_at", when},
                        {"completed_unix", static_cast<double>(now) / 1e9},
                        {"files", files},
                        {"dirs", dirs},
                        {"symlinks", symlinks},
                        {"bytes", bytes},
                        {"source_host", host},
                        {"source", options_.source},
                        {"source_dev", static_cast<uint64_t>(source.root_dev)},
                        {"cycle_seconds", result_.seconds}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  Destination& dest_;
  const MirrorOptions& options_;
  CycleResult& result_;
  int root_fd_ = -1;
  uint64_t throttled_bytes_ = 0;
  Clock::time_point throttle_start_;
  // What the copy threads report: result_, progress_, failed_, copied_ (and
  // the deferred list) are written under mu_ while copies run.
  std::mutex mu_;
  std::optional<Progress> progress_;
  std::unordered_set<std::string> failed_;
  std::unordered_map<std::string, Entry> copied_;
  std::mutex closed_mu_;            // options_.closed_files: read by the copies, rewritten by refresh_closed_files
  std::optional<TaskPool> copies_;  // last: gone (its threads joined) before what they use
};

}  // namespace

ScanOptions source_scan_options(const MirrorOptions& options) {
  ScanOptions scan_options;
  scan_options.excludes = ExcludeSet(options.excludes);
  scan_options.owner_names = options.owners && !options.numeric_ids;
  scan_options.hash_files = options.checksum;
  return scan_options;
}

std::future<ScanResult> start_source_scan(const MirrorOptions& options) {
  return std::async(std::launch::async, [source = options.source, scan_options = source_scan_options(options)] {
    const auto started = Clock::now();
    ScanResult result = scan_tree(source, scan_options);
    log::debug("mirror: source scan of {} nodes took {:.1f} ms", result.entries.size(),
               std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    return result;
  });
}

CycleResult run_cycle(Destination& dest, const MirrorOptions& options, std::future<ScanResult> prescan) {
  CycleResult result;
  Cycle cycle(dest, options, result);
  cycle.run(std::move(prescan));
  return result;
}

std::string cycle_json(const CycleResult& r, const MirrorOptions& options, const std::string& dest) {
  nlohmann::json j = {{"source", options.source},
                      {"destination", dest},
                      {"dry_run", options.dry_run},
                      {"refused", r.refused},
                      {"complete", r.complete},
                      {"sequence", r.sequence},
                      {"seconds", r.seconds},
                      {"planned",
                       {{"dirs", r.planned.dirs},
                        {"files", r.planned.files},
                        {"symlinks", r.planned.symlinks},
                        {"meta", r.planned.meta},
                        {"deletes", r.planned.deletes},
                        {"delete_files", r.planned.delete_files},
                        {"bytes", r.planned.bytes}}},
                      {"done",
                       {{"dirs", r.dirs_made},
                        {"files", r.files_copied},
                        {"bytes", r.bytes_copied},
                        {"symlinks", r.symlinks_made},
                        {"meta", r.meta_set},
                        {"deleted", r.deleted}}},
                      {"source_scan",
                       {{"files", r.source_stats.files},
                        {"dirs", r.source_stats.dirs},
                        {"symlinks", r.source_stats.symlinks},
                        {"bytes", r.source_stats.bytes},
                        {"hardlinked", r.source_stats.hardlinked},
                        {"special_skipped", r.source_stats.special},
                        {"vanished", r.source_stats.vanished}}},
                      {"reread", r.reread},
                      {"unsettled", r.unsettled},
                      {"vanished", r.vanished},
                      {"warnings", r.warnings}};
  if (r.refused) j["refusal"] = r.refusal;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace galaxis::fsmirror
