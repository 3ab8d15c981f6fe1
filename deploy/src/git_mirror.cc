#include "git_mirror.h"

#include <fcntl.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::deploy::detail {

namespace {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string git_message() {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libgit2 error";
}

void check(int rc, Error::Kind kind, const std::string& what) {
  if (rc < 0) throw_error(kind, "{}: {}", what, git_message());
}

template <typename T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  ~Owned() {
    if (p != nullptr) Free(p);
  }
};
using Tree = Owned<git_tree, git_tree_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Remote = Owned<git_remote, git_remote_free>;

void write_file(const std::string& path, const void* data, size_t size, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw_error(Error::Kind::kIo, "create {}: {}", path, std::strerror(errno));
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      throw_error(Error::Kind::kIo, "write {}: {}", path, std::strerror(saved));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw_error(Error::Kind::kIo, "close {}: {}", path, std::strerror(errno));
}

struct Writer {
  git_repository* repo;
  const std::set<std::string>& skip;
  const std::string& previous_dir;
  WriteStats stats;

  void tree(const git_tree* tree, const git_tree* previous, const std::string& rel, const std::string& dir) {
    const size_t count = git_tree_entrycount(tree);
    for (size_t i = 0; i < count; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
      const std::string name = git_tree_entry_name(entry);
      const std::string entry_rel = rel.empty() ? name : rel + "/" + name;
      if (skip.contains(entry_rel)) continue;
      const std::string path = dir + "/" + name;
      const git_tree_entry* before = previous != nullptr ? git_tree_entry_byname(previous, name.c_str()) : nullptr;
      const git_filemode_t mode = git_tree_entry_filemode(entry);
      const git_oid* id = git_tree_entry_id(entry);
      switch (git_tree_entry_type(entry)) {
        case GIT_OBJECT_TREE: {
          if (::mkdir(path.c_str(), 0755) != 0)
            throw_error(Error::Kind::kIo, "mkdir {}: {}", path, std::strerror(errno));
          Tree sub;
          check(git_tree_lookup(&sub.p, repo, id), Error::Kind::kRuntime, "tree " + entry_rel);
          Tree previous_sub;
          if (before != nullptr && git_tree_entry_type(before) == GIT_OBJECT_TREE)
            git_tree_lookup(&previous_sub.p, repo, git_tree_entry_id(before));  // missing: write everything
          this->tree(sub.p, previous_sub.p, entry_rel, path);
          break;
        }
        case GIT_OBJECT_BLOB: {
          if (mode == GIT_FILEMODE_LINK) {
            Blob blob;
            check(git_blob_lookup(&blob.p, repo, id), Error::Kind::kRuntime, "blob " + entry_rel);
            const std::string target(static_cast<const char*>(git_blob_rawcontent(blob.p)),
                                     static_cast<size_t>(git_blob_rawsize(blob.p)));
            if (::symlink(target.c_str(), path.c_str()) != 0)
              throw_error(Error::Kind::kIo, "symlink {}: {}", path, std::strerror(errno));
            ++stats.written;
            break;
          }
          if (before != nullptr && git_tree_entry_filemode(before) == mode &&
              git_oid_equal(git_tree_entry_id(before), id) && link_previous(entry_rel, path)) {
            ++stats.linked;
            break;
          }
          Blob blob;
          check(git_blob_lookup(&blob.p, repo, id), Error::Kind::kRuntime, "blob " + entry_rel);
          const auto size = static_cast<size_t>(git_blob_rawsize(blob.p));
          write_file(path, git_blob_rawcontent(blob.p), size, mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644);
          ++stats.written;
          stats.bytes_written += size;
          break;
        }
        default: log::warn("deploy: {} is a submodule; not checked out", entry_rel); break;
      }
    }
  }

  // Hard-links the previous release's copy when it is still a plain file.
  bool link_previous(const std::string& rel, const std::string& path) {
    if (previous_dir.empty()) return false;
    const std::string source = previous_dir + "/" + rel;
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    return ::link(source.c_str(), path.c_str()) == 0;
  }
};

}  // namespace

Mirror::Mirror(const std::string& path) : path_(path) {
  init_libgit2();
  if (git_repository_open_bare(&repo_, path.c_str()) < 0) {
    check(git_repository_init(&repo_, path.c_str(), 1), Error::Kind::kIo, "creating the mirror " + path);
  }
}

Mirror::~Mirror() {
  if (repo_ != nullptr) git_repository_free(repo_);
}

std::string Mirror::fetch(const std::string& url, const std::string& branch) {
  Remote remote;
  check(git_remote_create_anonymous(&remote.p, repo_, url.c_str()), Error::Kind::kUsage, "--repo " + url);
  std::string spec = "+refs/heads/" + branch + ":refs/heads/" + branch;
  char* specs[] = {spec.data()};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  options.update_fetchhead = 0;
  check(git_remote_fetch(remote.p, &refspecs, &options, nullptr), Error::Kind::kNetwork,
        "fetching " + branch + " from " + url);
  git_oid oid;
  check(git_reference_name_to_id(&oid, repo_, ("refs/heads/" + branch).c_str()), Error::Kind::kRuntime,
        "branch '" + branch + "' not found in " + url);
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

bool Mirror::has_commit(const std::string& sha) {
  git_oid oid;
  if (git_oid_fromstr(&oid, sha.c_str()) < 0) return false;
  Commit commit;
  return git_commit_lookup(&commit.p, repo_, &oid) == 0;
}

WriteStats Mirror::write_tree(const std::string& sha, const std::string& dir, const std::string& previous_sha,
                              const std::string& previous_dir, const std::set<std::string>& skip) {
  git_oid oid;
  check(git_oid_fromstr(&oid, sha.c_str()), Error::Kind::kRuntime, "sha " + sha);
  Commit commit;
  check(git_commit_lookup(&commit.p, repo_, &oid), Error::Kind::kRuntime, "commit " + sha);
  Tree tree;
  check(git_commit_tree(&tree.p, commit.p), Error::Kind::kRuntime, "tree of " + sha);
  Tree previous;
  if (!previous_sha.empty() && !previous_dir.empty()) {
    git_oid previous_oid;
    Commit previous_commit;
    if (git_oid_fromstr(&previous_oid, previous_sha.c_str()) == 0 &&
        git_commit_lookup(&previous_commit.p, repo_, &previous_oid) == 0) {
      git_commit_tree(&previous.p, previous_commit.p);
    }
  }
  Writer writer{repo_, skip, previous_dir, {}};
  writer.tree(tree.p, previous.p, "", dir);
  return writer.stats;
}

}  // namespace galaxis::deploy::detail
