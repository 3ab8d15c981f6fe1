// scan_tree's order: the walk emits paths sorted when it can, and falls back
// to a sort when a sibling name sorts between "dir" and "dir/" (a byte below
// '/', as in "img" and "img.png" or "a b"): the plan and the index need
// byte order either way.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "galaxis/fsmirror/scan.h"

namespace galaxis::fsmirror {
namespace {

TEST(ScanOrder, PathsAreInByteOrderWhateverTheNames) {
  char tmpl[] = "/tmp/gx-fsmirror-scan-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  for (const char* dir : {"img", "img/x", "a", "b"}) ASSERT_EQ(::mkdir((root + "/" + dir).c_str(), 0755), 0);
  for (const char* file : {"img.png", "img-2", "img/x/f", "img/y", "a b", "a/c", "b0", "-dash"}) {
    std::FILE* f = std::fopen((root + "/" + file).c_str(), "w");
    ASSERT_NE(f, nullptr) << file;
    std::fclose(f);
  }
  const ScanResult scan = scan_tree(root, ScanOptions{});
  std::vector<std::string> paths;
  for (const Entry& e : scan.entries) paths.push_back(e.path);
  std::vector<std::string> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(paths, sorted);
  EXPECT_EQ(paths.size(), 12u);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace galaxis::fsmirror
