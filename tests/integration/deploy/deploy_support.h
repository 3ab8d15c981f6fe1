// Support for the deploy integration tests: a temp dir, shell commands, a
// real origin (bare repo + work clone made with the git CLI, reached over
// file://), and the galaxis-relay binary as a child process (output in a
// log file, killable with any signal, dies with the test).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/testing/child_process.h"

namespace galaxis::testing {

// Runs `command` with /bin/sh; returns stdout+stderr; fails the test (throws)
// when it exits non-zero.
std::string sh(const std::string& command);
// Exit code and output, never throws.
std::pair<int, std::string> sh_status(const std::string& command);

std::string read_text(const std::filesystem::path& path);

class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class Origin {
 public:
  explicit Origin(const std::filesystem::path& dir);
  std::string url() const { return "file://" + bare_.string(); }
  // Writes (or with nullopt deletes) files in the work tree, commits, pushes
  // to main; returns the new SHA (git rev-parse HEAD).
  std::string commit(const std::map<std::string, std::optional<std::string>>& files, const std::string& message = "c");
  const std::filesystem::path& work() const { return work_; }

 private:
  std::filesystem::path bare_, work_;
  int counter_ = 0;
};

// The relay CLI under test (GALAXIS_BINARY) with `args`, as a child process.
class Process : public ChildProcess {
 public:
  Process(std::vector<std::string> args, std::string log_path)
      : ChildProcess(relay_argv(std::move(args)), std::move(log_path)) {}
};

// GALAXIS_BINARY with args; exit code and output.
std::pair<int, std::string> cli(const std::vector<std::string>& args);

// The SHA `current` points at, from the release name (releases/<time>-<sha>).
std::string current_sha(const std::filesystem::path& root);

}  // namespace galaxis::testing
