// --atomic-tree: readers of DEST/current see one cycle's files only, while
// cycles keep switching snapshots under them.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "tree_util.h"

namespace galaxis::fsmirror::test {
namespace {

constexpr int kFiles = 30;

// DEST/current resolved (the independent walk does not follow links).
std::string current_snapshot(const TempDir& dest) {
  return dest / std::filesystem::read_symlink(dest / "current").string();
}

std::string version_content(int version, int file) {
  // Sizes differ per version so a copy takes a while; the first line names the version.
  return "v" + std::to_string(version) + "\n" +
         random_bytes(20000 + 3000 * ((version + file) % 7), version * 100 + file);
}

// local: DEST is the folder; ssh: the harness's sshd, whose --serve side
// builds the snapshots (the reader still reads the folder directly).
class AtomicTree : public ::testing::TestWithParam<std::string> {
 protected:
  RunResult mirror(std::vector<std::string> args, const TempDir& dest) {
    std::vector<std::string> all = {"mirror", "--quiet", "--settle", "0", "--atomic-tree"};
    all.insert(all.end(), args.begin(), args.end());
    append_destination(all, dest.path(), GetParam() == "ssh");
    return run_cli(all);
  }
};

TEST_P(AtomicTree, ReadersNeverSeeFilesFromTwoCycles) {
  TempDir src("src"), dest("dest");
  for (int f = 0; f < kFiles; ++f) write_file(src / ("f" + std::to_string(f)), version_content(0, f));
  RunResult r = mirror({src.path()}, dest);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::atomic<bool> done{false};
  std::atomic<uint64_t> mixed{0}, consistent{0}, missing{0};
  std::set<int> versions_seen;
  std::thread reader([&] {
    while (!done.load()) {
      // Resolve `current` once, then read every file through that snapshot.
      const int dir = ::open((dest / "current").c_str(), O_RDONLY | O_DIRECTORY);
      if (dir < 0) {
        ++missing;
        continue;
      }
      std::set<int> versions;
      for (int f = 0; f < kFiles; ++f) {
        const int fd = ::openat(dir, ("f" + std::to_string(f)).c_str(), O_RDONLY);
        if (fd < 0) {
          ++missing;
          continue;
        }
        char head[16] = {};
        const ssize_t n = ::read(fd, head, sizeof(head) - 1);
        ::close(fd);
        if (n > 1 && head[0] == 'v') versions.insert(std::atoi(head + 1));
      }
      ::close(dir);
      if (versions.size() == 1) {
        ++consistent;
        versions_seen.insert(*versions.begin());
      } else {
        ++mixed;
      }
    }
  });
  // Fewer cycles over ssh: each one is an ssh session (~1 s on a loaded host).
  const int versions = GetParam() == "ssh" ? 4 : 8;
  for (int v = 1; v <= versions; ++v) {
    for (int f = 0; f < kFiles; ++f) write_file(src / ("f" + std::to_string(f)), version_content(v, f));
    r = mirror({"--delete", src.path()}, dest);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  done = true;
  reader.join();
  EXPECT_EQ(mixed.load(), 0u) << "a reader saw files from two cycles";
  EXPECT_EQ(missing.load(), 0u);
  EXPECT_GE(versions_seen.size(), 3u) << "the reader did not see the snapshots change";
  // current is the last cycle, equal to SRC; the previous snapshot is kept, older ones removed.
  EXPECT_EQ(compare_trees(src.path(), current_snapshot(dest)), "");
  std::set<std::string> snapshots;
  for (const auto& e : std::filesystem::directory_iterator(dest / "snapshots")) snapshots.insert(e.path().filename());
  EXPECT_EQ(snapshots, (std::set<std::string>{std::to_string(versions), std::to_string(versions + 1)}));
  // Unchanged files are hard links between the two kept snapshots (no data copied).
  write_file(src / "new", "n");
  r = mirror({src.path()}, dest);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat a, b;
  ASSERT_EQ(::stat((dest / ("snapshots/" + std::to_string(versions + 1) + "/f0")).c_str(), &a), 0);
  ASSERT_EQ(::stat((dest / ("snapshots/" + std::to_string(versions + 2) + "/f0")).c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(compare_trees(src.path(), current_snapshot(dest)), "");
}

INSTANTIATE_TEST_SUITE_P(Destinations, AtomicTree, ::testing::Values("local", "ssh"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace galaxis::fsmirror::test
