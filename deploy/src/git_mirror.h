// deploy/src/git_mirror.h — the bare libgit2 mirror and release checkout (internal).
//
// Mirror opens (or creates) a bare repository; fetch() updates only
// refs/heads/<branch> from the URL and returns its SHA. write_tree() writes
// a commit's tree into an empty directory without .git: regular files
// (0644/0755), symlinks; submodules are skipped (logged). Blobs whose path,
// id and mode match `previous_sha`'s tree are hard-linked from
// `previous_dir` when that file is a regular file of the right size, else
// written. Paths in `skip` (and below them) are not written: the shared
// links replace them. Errors: Error(kNetwork) for a fetch that fails,
// Error(kIo) for the file system, Error(kRuntime) for other libgit2 errors,
// each naming the path/URL and libgit2's message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

struct git_repository;

namespace galaxis::deploy::detail {

struct WriteStats {
  size_t written = 0;
  size_t linked = 0;
  uint64_t bytes_written = 0;
};

class Mirror {
 public:
  explicit Mirror(const std::string& path);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  std::string fetch(const std::string& url, const std::string& branch);
  bool has_commit(const std::string& sha);
  WriteStats write_tree(const std::string& sha, const std::string& dir, const std::string& previous_sha,
                        const std::string& previous_dir, const std::set<std::string>& skip);

 private:
  git_repository* repo_ = nullptr;
  std::string path_;
};

}  // namespace galaxis::deploy::detail
