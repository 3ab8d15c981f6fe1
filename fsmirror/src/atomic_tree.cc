// --atomic-tree (atomic_tree.h): snapshots of hard links behind `current`.
#include "galaxis/fsmirror/atomic_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/local_destination.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

void run_checked(int rc, const std::string& what) {
  if (rc != 0) throw_error(Error::Kind::kIo, "{}: {}", what, std::strerror(errno));
}

// Recreates the tree at `from` under `to`: directories made (mode/mtime
// copied), files hard-linked, symlinks recreated. Never follows links.
void link_tree(const std::string& from, const std::string& to) {
  ScanOptions options;
  const ScanResult scan = scan_tree(from, options);
  for (const Entry& e : scan.entries) {
    const std::string src = from + "/" + e.path, dst = to + "/" + e.path;
    switch (e.meta.type) {
      case NodeType::kDir: run_checked(::mkdir(dst.c_str(), 0700), "mkdir " + printable_path(dst)); break;
      case NodeType::kFile: run_checked(::link(src.c_str(), dst.c_str()), "link " + printable_path(dst)); break;
      case NodeType::kSymlink: {
        run_checked(::symlink(e.meta.link_target.c_str(), dst.c_str()), "symlink " + printable_path(dst));
        const timespec t[2] = {{e.meta.mtime_ns / 1000000000, e.meta.mtime_ns % 1000000000},
                               {e.meta.mtime_ns / 1000000000, e.meta.mtime_ns % 1000000000}};
        ::utimensat(AT_FDCWD, dst.c_str(), t, AT_SYMLINK_NOFOLLOW);
        ::lchown(dst.c_str(), e.meta.uid, e.meta.gid);
        break;
      }
    }
  }
  // Directory modes and mtimes last, deepest first (making entries changed them).
  for (auto it = scan.entries.rbegin(); it != scan.entries.rend(); ++it) {
    if (it->meta.type != NodeType::kDir) continue;
    const std::string dst = to + "/" + it->path;
    const timespec t[2] = {{it->meta.mtime_ns / 1000000000, it->meta.mtime_ns % 1000000000},
                           {it->meta.mtime_ns / 1000000000, it->meta.mtime_ns % 1000000000}};
    ::lchown(dst.c_str(), it->meta.uid, it->meta.gid);
    ::chmod(dst.c_str(), it->meta.mode);
    ::utimensat(AT_FDCWD, dst.c_str(), t, AT_SYMLINK_NOFOLLOW);
  }
}

void remove_all(const std::string& path) {
  // Our own snapshot folders, below DEST: rm -rf without following links.
  ScanOptions options;
  const ScanResult scan = scan_tree(path, options);
  for (auto it = scan.entries.rbegin(); it != scan.entries.rend(); ++it) {
    const std::string p = path + "/" + it->path;
    if (it->meta.type == NodeType::kDir) {
      ::chmod(p.c_str(), 0700);
      ::rmdir(p.c_str());
    } else {
      ::unlink(p.c_str());
    }
  }
  ::rmdir(path.c_str());
}

class AtomicTreeDestination : public Destination {
 public:
  AtomicTreeDestination(std::string root, DestinationOptions options)
      : root_(std::move(root)), options_(options), state_(make_local_destination(root_, options)) {}

  std::string describe() const override { return root_ + " (--atomic-tree)"; }

  void open(bool read_only) override {
    state_->open(read_only);
    read_only_ = read_only;
    current_ = current_snapshot();
    if (read_only) return;
    ::mkdir((root_ + "/snapshots").c_str(), 0755);
    // Interrupted builds.
    if (DIR* dir = ::opendir((root_ + "/snapshots").c_str())) {
      std::vector<std::string> leftovers;
      while (dirent* d = ::readdir(dir)) {
        const std::string name = d->d_name;
        if (name.size() > 9 && name.compare(name.size() - 9, 9, ".building") == 0) leftovers.push_back(name);
      }
      ::closedir(dir);
      for (const std::string& name : leftovers) {
        log::info("mirror: removing the interrupted snapshot build {}/snapshots/{}", root_, name);
        remove_all(root_ + "/snapshots/" + name);
      }
    }
  }

  std::optional<Index> load_index() override { return state_->load_index(); }
  std::optional<std::string> load_index_bytes() override { return state_->load_index_bytes(); }
  std::string index_identity() override { return state_->index_identity(); }

  ScanResult scan(bool hash_files) override {
    ScanOptions options;
    options.hash_files = hash_files;
    options.owner_names = options_.set_owner && !options_.numeric_ids;
    if (current_ == 0) return ScanResult{};
    return scan_tree(snapshot_path(current_), options);
  }

  void begin_cycle() override {
    state_->begin_cycle();
    next_ = current_ + 1;
    building_ = snapshot_path(next_) + ".building";
    remove_all(building_);
    remove_all(snapshot_path(next_));  // built but never switched to by an interrupted run
    run_checked(::mkdir(building_.c_str(), 0755), "mkdir " + building_);
    if (current_ != 0) link_tree(snapshot_path(current_), building_);
    inner_ = make_local_destination(building_, options_);
    inner_->open(true);  // no state inside a snapshot: the writes only
  }

  void make_dir(const Entry& e, bool replace) override { inner().make_dir(e, replace); }
  std::unique_ptr<FileSink> open_file(const std::string& path) override { return inner().open_file(path); }
  bool concurrent_file_sinks() const override { return true; }  // inner_ is a local destination
  void make_symlink(const Entry& e) override { inner().make_symlink(e); }
  void remove(const Entry& e) override { inner().remove(e); }
  void set_root_meta(const Meta& meta) override {
    if (inner_) inner_->set_root_meta(meta);
  }

  void set_meta(const Entry& e) override {
    if (e.meta.type != NodeType::kFile) return inner().set_meta(e);
    // The file is a hard link shared with the previous snapshot: copy it
    // first so the old snapshot keeps its metadata.
    const std::string path = building_ + "/" + e.path;
    const int in = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) throw_error(Error::Kind::kIo, "open {}: {}", printable_path(path), std::strerror(errno));
    std::unique_ptr<FileSink> sink = inner().open_file(e.path);
    std::vector<uint8_t> buf(1 << 20);
    ssize_t n;
    while ((n = ::read(in, buf.data(), buf.size())) > 0) sink->write(buf.data(), static_cast<size_t>(n));
    ::close(in);
    if (n < 0) throw_error(Error::Kind::kIo, "read {}: {}", printable_path(path), std::strerror(errno));
    sink->commit(e);
  }

  void finish_cycle(const Index& index, bool entries_changed, const std::string& marker_json) override {
    // Published even when the cycle is incomplete (files still being written):
    // the snapshot then holds their previous complete versions, as the index says.
    if (inner_) {
      inner_.reset();
      const std::string final_path = snapshot_path(next_);
      run_checked(::rename(building_.c_str(), final_path.c_str()), "rename " + building_);
      if (options_.fsync) ::sync();
      // Switch `current` atomically: a new symlink renamed over the old one.
      const std::string link_tmp = root_ + "/.current.tmp";
      ::unlink(link_tmp.c_str());
      run_checked(::symlink(("snapshots/" + std::to_string(next_)).c_str(), link_tmp.c_str()), "symlink " + link_tmp);
      run_checked(::rename(link_tmp.c_str(), (root_ + "/current").c_str()), "rename " + root_ + "/current");
      const uint64_t previous = current_;
      current_ = next_;
      // Keep the previous snapshot; remove older ones.
      if (DIR* dir = ::opendir((root_ + "/snapshots").c_str())) {
        std::vector<std::string> old;
        while (dirent* d = ::readdir(dir)) {
          char* end = nullptr;
          const unsigned long long n = std::strtoull(d->d_name, &end, 10);
          if (end != d->d_name && *end == '\0' && n != current_ && n != previous) old.push_back(d->d_name);
        }
        ::closedir(dir);
        for (const std::string& name : old) remove_all(root_ + "/snapshots/" + name);
      }
    }
    state_->finish_cycle(index, entries_changed, marker_json);
  }

  std::string read_marker() override { return state_->read_marker(); }

 private:
  Destination& inner() {
    if (!inner_) throw_error(Error::Kind::kRuntime, "--atomic-tree: a write outside a cycle");
    return *inner_;
  }
  std::string snapshot_path(uint64_t n) const { return root_ + "/snapshots/" + std::to_string(n); }
  uint64_t current_snapshot() const {
    char buf[256];
    const ssize_t n = ::readlink((root_ + "/current").c_str(), buf, sizeof(buf) - 1);
    if (n <= 0) return 0;
    const std::string target(buf, static_cast<size_t>(n));
    const size_t slash = target.rfind('/');
    return std::strtoull(target.c_str() + (slash == std::string::npos ? 0 : slash + 1), nullptr, 10);
  }

  std::string root_;
  DestinationOptions options_;
  std::unique_ptr<Destination> state_;
  std::unique_ptr<Destination> inner_;
  bool read_only_ = false;
  uint64_t current_ = 0, next_ = 0;
  std::string building_;
};

}  // namespace

std::unique_ptr<Destination> make_atomic_tree_destination(const std::string& root, const DestinationOptions& options) {
  return std::make_unique<AtomicTreeDestination>(root, options);
}

}  // namespace galaxis::fsmirror
