// open_beneath (fsmirror/src/open_beneath.h): a path below a directory fd is
// opened only if no symlink is on the way and it does not leave the base.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "../../../fsmirror/src/open_beneath.h"

namespace galaxis::fsmirror {
namespace {

TEST(OpenBeneath, OpensBelowTheBaseAndRefusesSymlinksAndEscapes) {
  char tmpl[] = "/tmp/gx-fsmirror-beneath-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  ASSERT_EQ(::mkdir((root + "/base").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/base/dir").c_str(), 0755), 0);
  std::FILE* f = std::fopen((root + "/base/dir/file").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  f = std::fopen((root + "/outside").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(::symlink("dir", (root + "/base/link-dir").c_str()), 0);
  ASSERT_EQ(::symlink("dir/file", (root + "/base/link-file").c_str()), 0);
  const int base = ::open((root + "/base").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(base, 0);

  const int file = open_beneath(base, "dir/file", O_RDONLY);
  EXPECT_GE(file, 0) << std::strerror(errno);
  if (file >= 0) ::close(file);
  const int dir = open_beneath(base, "dir", O_RDONLY | O_DIRECTORY);
  EXPECT_GE(dir, 0) << std::strerror(errno);
  if (dir >= 0) ::close(dir);

  errno = 0;
  EXPECT_EQ(open_beneath(base, "link-dir/file", O_RDONLY), -1) << "followed a symlinked directory";
  EXPECT_TRUE(errno == ELOOP || errno == ENOTDIR) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(open_beneath(base, "link-file", O_RDONLY), -1) << "followed a symlink at the end";
  EXPECT_EQ(errno, ELOOP) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(open_beneath(base, "../outside", O_RDONLY), -1) << "left the base";
  EXPECT_EQ(open_beneath(base, "dir/missing", O_RDONLY), -1);
  EXPECT_EQ(errno, ENOENT);
  ::close(base);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace galaxis::fsmirror
