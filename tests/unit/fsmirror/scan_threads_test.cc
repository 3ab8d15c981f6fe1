// scan_tree on several threads (one task per directory) gives exactly what
// the depth-first walk on one thread gives: the same entries in the same
// order, the same counts, the same leftovers removed, nothing behind a
// symlink.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/fsmirror/rel_path.h"
#include "galaxis/fsmirror/scan.h"

namespace galaxis::fsmirror {
namespace {

class ScanThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gx-fsmirror-scanthreads-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void mkdir(const std::string& rel) { ASSERT_EQ(::mkdir((root_ + "/" + rel).c_str(), 0750), 0) << rel; }
  void file(const std::string& rel, const std::string& bytes) {
    std::FILE* f = std::fopen((root_ + "/" + rel).c_str(), "w");
    ASSERT_NE(f, nullptr) << rel;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  void symlink(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + "/" + rel).c_str()), 0) << rel;
  }

  // A tree with the kinds the scan treats differently, spread over many
  // directories so the tasks really run side by side.
  void make_tree() {
    for (int d = 0; d < 24; ++d) {
      const std::string dir = "d" + std::to_string(d);
      mkdir(dir);
      for (int f = 0; f < 30; ++f) file(dir + "/f" + std::to_string(f), std::string(static_cast<size_t>(f * d), 'x'));
      std::string deep = dir;
      for (int level = 0; level < 6; ++level) {
        deep += "/n" + std::to_string(level);
        mkdir(deep);
        file(deep + "/leaf", deep);
      }
    }
    mkdir("img");
    file("img.png", "png");  // sorts between "img" and "img/": the final sort's case
    file("img/a", "a");
    symlink("/etc", "d3/etc-link");
    symlink("../../outside", "d4/up-link");
    symlink("d5", "dir-link");  // a link to a directory: reported, never walked
    file("d6/.galaxis-tmp~0123456789abcdef", "leftover");
    file("d7/.galaxis-tmp~fedcba9876543210", "leftover");
    ASSERT_EQ(::mkfifo((root_ + "/d8/fifo").c_str(), 0600), 0);
    ASSERT_EQ(::link((root_ + "/d9/f1").c_str(), (root_ + "/d9/f1-hardlink").c_str()), 0);
    mkdir("cache");
    file("cache/skip-me", "excluded");
  }

  ScanResult scan(size_t threads, bool remove_temps) {
    ScanOptions options;
    options.threads = threads;
    options.remove_temps = remove_temps;
    options.excludes = ExcludeSet({"cache/"});
    return scan_tree(root_, options);
  }

  std::string root_;
};

// `touched`: directories whose mtime the first scan changed (it removed a temp leftover in them).
void expect_same(const ScanResult& serial, const ScanResult& parallel, const std::vector<std::string>& touched = {}) {
  ASSERT_EQ(serial.entries.size(), parallel.entries.size());
  for (size_t i = 0; i < serial.entries.size(); ++i) {
    const Entry& a = serial.entries[i];
    const Entry& b = parallel.entries[i];
    EXPECT_EQ(a.path, b.path) << i;
    EXPECT_EQ(a.inode, b.inode) << a.path;
    EXPECT_EQ(a.meta.type, b.meta.type) << a.path;
    EXPECT_EQ(a.meta.size, b.meta.size) << a.path;
    EXPECT_EQ(a.meta.mode, b.meta.mode) << a.path;
    if (std::find(touched.begin(), touched.end(), a.path) == touched.end()) {
      EXPECT_EQ(a.meta.mtime_ns, b.meta.mtime_ns) << a.path;
    }
    EXPECT_EQ(a.meta.link_target, b.meta.link_target) << a.path;
  }
  EXPECT_EQ(serial.stats.files, parallel.stats.files);
  EXPECT_EQ(serial.stats.dirs, parallel.stats.dirs);
  EXPECT_EQ(serial.stats.symlinks, parallel.stats.symlinks);
  EXPECT_EQ(serial.stats.bytes, parallel.stats.bytes);
  EXPECT_EQ(serial.stats.hardlinked, parallel.stats.hardlinked);
  EXPECT_EQ(serial.stats.special, parallel.stats.special);
  EXPECT_EQ(serial.stats.vanished, parallel.stats.vanished);
}

TEST_F(ScanThreads, ParallelWalkGivesTheSerialWalksEntriesAndCounts) {
  make_tree();
  const ScanResult serial = scan(1, false);
  // What the serial walk must see (so that agreeing with it means something).
  EXPECT_EQ(serial.stats.dirs, 24u + 24u * 6u + 1u);  // and not cache/ (excluded)
  EXPECT_EQ(serial.stats.symlinks, 3u);
  EXPECT_EQ(serial.stats.special, 1u);
  EXPECT_EQ(serial.stats.hardlinked, 2u);
  for (const Entry& e : serial.entries) {
    EXPECT_NE(e.path.rfind("dir-link/", 0), 0u) << "walked through a symlink: " << e.path;
    EXPECT_NE(e.path.rfind("cache", 0), 0u) << "excluded: " << e.path;
    EXPECT_EQ(e.path.find(".galaxis-tmp~"), std::string::npos) << e.path;
  }
  for (size_t threads : {2u, 4u, 16u}) {
    SCOPED_TRACE(threads);
    expect_same(serial, scan(threads, false));
  }
}

TEST_F(ScanThreads, ParallelWalkRemovesTempLeftoversLikeTheSerialOne) {
  make_tree();
  const ScanResult parallel = scan(4, true);
  EXPECT_EQ(parallel.stats.temp_removed, 2u);
  EXPECT_FALSE(std::filesystem::exists(root_ + "/d6/.galaxis-tmp~0123456789abcdef"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/d7/.galaxis-tmp~fedcba9876543210"));
  expect_same(scan(1, true), parallel, {"d6", "d7"});
}

// A task that fails (here: a path over kMaxPathBytes deep in one branch)
// while others still queue subdirectories: the scan reports the error, on
// every thread count, and never waits for a directory nobody will scan.
TEST_F(ScanThreads, AFailingDirectoryFailsTheScanWithoutHanging) {
  for (int d = 0; d < 40; ++d) {
    for (int sub = 0; sub < 5; ++sub) mkdir("d" + std::to_string(d) + (sub == 0 ? "" : "/s" + std::to_string(sub)));
  }
  // Made one component at a time (mkdirat): the whole path is over PATH_MAX.
  std::string deep = "d7";
  const std::string component(200, 'x');
  int fd = ::open((root_ + "/d7").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  while (deep.size() <= kMaxPathBytes) {
    deep += "/" + component;
    ASSERT_EQ(::mkdirat(fd, component.c_str(), 0750), 0) << deep.size();
    const int next = ::openat(fd, component.c_str(), O_RDONLY | O_DIRECTORY);
    ::close(fd);
    fd = next;
    ASSERT_GE(fd, 0);
  }
  ::close(fd);
  for (size_t threads : {1u, 2u, 4u}) {
    for (int round = 0; round < 10; ++round) {
      SCOPED_TRACE(threads);
      try {
        scan(threads, false);
        ADD_FAILURE() << "a path over " << kMaxPathBytes << " bytes was scanned";
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
        EXPECT_NE(std::string(e.what()).find("longer than"), std::string::npos) << e.what();
      }
    }
  }
}

TEST_F(ScanThreads, MissingRootIsNotAnError) {
  std::filesystem::remove_all(root_);
  const ScanResult result = scan(4, false);
  EXPECT_FALSE(result.root_exists);
  EXPECT_TRUE(result.entries.empty());
}

}  // namespace
}  // namespace galaxis::fsmirror
