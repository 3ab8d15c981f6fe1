#include "galaxis/common/secret.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "galaxis/common/error.h"

namespace galaxis {
namespace {

TEST(Secret, NeverFormatsItsValue) {
  Secret s("topsecret");
  EXPECT_EQ(fmt::format("{}", s), "***");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(s.reveal(), "topsecret");
}

TEST(Secret, FileWinsOverEnvironmentAndLosesTrailingNewline) {
  const std::string path = ::testing::TempDir() + "/galaxis_secret_test";
  std::ofstream(path) << "from-file\n";
  ::setenv("GALAXIS_TEST_SECRET", "from-env", 1);
  auto s = read_secret("GALAXIS_TEST_SECRET", path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reveal(), "from-file");
  auto e = read_secret("GALAXIS_TEST_SECRET", "");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reveal(), "from-env");
  ::unsetenv("GALAXIS_TEST_SECRET");
  EXPECT_FALSE(read_secret("GALAXIS_TEST_SECRET", ""));
}

TEST(Secret, MissingFileIsUsageErrorNamingTheFile) {
  try {
    read_secret("X", "/nonexistent/pw");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUsage);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/pw"), std::string::npos);
  }
}

TEST(Secret, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace galaxis
