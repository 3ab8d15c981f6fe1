#include "galaxis/common/url.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"

namespace galaxis {
namespace {

TEST(ConnectionUrl, ParsesUserHostPort) {
  auto url = parse_connection_url("mysql://repl@127.0.0.1:3307");
  EXPECT_EQ(url.user, "repl");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 3307);
  EXPECT_EQ(url.ssl_mode, SslMode::kPreferred);
  EXPECT_EQ(url.display(), "repl@127.0.0.1:3307");
}

TEST(ConnectionUrl, DefaultsPortTo3306) { EXPECT_EQ(parse_connection_url("mysql://u@db").port, 3306); }

TEST(ConnectionUrl, ParsesIpv6AndQuery) {
  auto url = parse_connection_url("mysql://app%40x@[::1]:3308/shop?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem");
  EXPECT_EQ(url.user, "app@x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 3308);
  EXPECT_EQ(url.database, "shop");
  EXPECT_EQ(url.ssl_mode, SslMode::kVerifyCa);
  EXPECT_EQ(url.ssl_ca, "/etc/ca.pem");
  EXPECT_EQ(url.display(), "app@x@[::1]:3308");
}

TEST(ConnectionUrl, ParsesSocket) {
  auto url = parse_connection_url("mysql://root@localhost?socket=/tmp/my%20sock");
  EXPECT_EQ(url.socket, "/tmp/my sock");
  EXPECT_EQ(url.display(), "root@socket:/tmp/my sock");
}

void expect_usage_error(const char* text, const char* fragment) {
  try {
    parse_connection_url(text);
    FAIL() << "no error for " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUsage);
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ConnectionUrl, RejectsBadInput) {
  expect_usage_error("postgres://u@h", "must start with mysql://");
  expect_usage_error("mysql://h:3306", "missing user");
  expect_usage_error("mysql://u@h:0", "bad port");
  expect_usage_error("mysql://u@h:99999", "bad port");
  expect_usage_error("mysql://u@h:33a", "bad port");
  expect_usage_error("mysql://u@[::1", "unterminated");
  expect_usage_error("mysql://u@h?color=red", "unknown query parameter 'color'");
  expect_usage_error("mysql://u@h?ssl-mode=maybe", "unknown ssl-mode");
  expect_usage_error("mysql://u@h?x=%4", "percent");
}

TEST(ConnectionUrl, RefusesPasswordWithoutEchoingIt) {
  try {
    parse_connection_url("mysql://u:hunter2@h");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("GALAXIS_SOURCE_PASSWORD"), std::string::npos);
  }
}

}  // namespace
}  // namespace galaxis
