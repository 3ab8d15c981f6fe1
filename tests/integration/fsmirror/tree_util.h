// Test helpers for fsmirror integration tests: temp trees, an independent
// tree walk (nftw FTW_PHYS, never the mirror's own code) and running the CLI.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace galaxis::fsmirror::test {

// A fresh directory under /tmp, removed (rm -rf, after unmounting anything
// mounted below) when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& content, mode_t mode = 0644);
std::string read_file(const std::string& path);
void make_dirs(const std::string& path);
void set_mtime(const std::string& path, int64_t seconds);
std::string random_bytes(size_t n, uint64_t seed);

// One node as seen by lstat: type letter (f/d/l), mode, size, mtime (ns),
// symlink target and, for files, the content's SHA-256 (hex).
struct Node {
  char type = '?';
  uint32_t mode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string target;
  std::string sha;
  bool operator==(const Node&) const = default;
};
// Every node under `root` by relative path; `.galaxis-mirror` at the root is
// left out. With `with_root_meta`, "" maps to the root itself.
std::map<std::string, Node> walk_tree(const std::string& root);
// "" when equal, else the first differences, one per line.
std::string compare_trees(const std::string& a, const std::string& b);
// Paths under `root` whose name starts with the mirror's temp prefix.
std::vector<std::string> temp_files(const std::string& root);

struct RunResult {
  int exit_code = -1;  // 128+signal when killed
  std::string out, err;
};
// Runs galaxis-relay with `args` (no shell), waits for it.
RunResult run_cli(const std::vector<std::string>& args);
// Starts galaxis-relay with `args`; stdout/stderr go to files under /tmp.
struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};
Child start_cli(const std::vector<std::string>& args);
RunResult wait_cli(const Child& child);
// Appends DEST to mirror arguments: the folder itself, or with `ssh` its
// ssh:// URL on the shared test sshd plus the key, known_hosts and far-side
// binary options.
void append_destination(std::vector<std::string>& args, const std::string& dest, bool ssh);
// Runs a shell command (fixed strings from the test, no user input); returns its exit code, output into *out.
int shell(const std::string& command, std::string* out = nullptr);

// Polls `condition` every 2 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace galaxis::fsmirror::test
