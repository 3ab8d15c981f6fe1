#include "galaxis/common/error.h"

#include <gtest/gtest.h>

namespace galaxis {
namespace {

TEST(Error, ContextIsPrependedOutermostFirst) {
  try {
    with_context("relay", [] {
      with_context("reading binlog.000003", [] { throw_error(Error::Kind::kCorrupt, "bad crc at {}", 120); });
    });
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "relay: reading binlog.000003: bad crc at 120");
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(e.exit_code(), 1);
  }
}

TEST(Error, LazyContextIsBuiltOnlyOnFailure) {
  int built = 0;
  const auto context = [&] {
    ++built;
    return std::string("binlog.000003:120");
  };
  EXPECT_EQ(with_context(context, [] { return 7; }), 7);
  EXPECT_EQ(built, 0);
  try {
    with_context(context, [] { throw_error(Error::Kind::kCorrupt, "bad row"); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "binlog.000003:120: bad row");
  }
  EXPECT_EQ(built, 1);
}

TEST(Error, OnlyNetworkErrorsAreRetryable) {
  EXPECT_TRUE(Error(Error::Kind::kNetwork, "x").retryable());
  EXPECT_FALSE(Error(Error::Kind::kAuth, "x").retryable());
  EXPECT_EQ(Error(Error::Kind::kUsage, "x").exit_code(), 2);
}

}  // namespace
}  // namespace galaxis
