// lazy_ca (deploy/src/lazy_ca.h): git_libgit2_init no longer parses the CA
// bundle (it is only recorded), and it is parsed for real when asked —
// the interposed mbedtls_x509_crt_parse_file forwards to mbedTLS after init.
#include <dlfcn.h>
#include <git2.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "../../../deploy/src/lazy_ca.h"

namespace {

using namespace galaxis::deploy::detail;

TEST(LazyCa, BundleIsDeferredAtInitAndLoadedOnDemand) {
  init_libgit2();
  const std::string path = deferred_ca_path();
  if (::dlsym(RTLD_DEFAULT, "mbedtls_ssl_init") == nullptr)
    GTEST_SKIP() << "libgit2 is not built on mbedTLS here: nothing to defer";
  ASSERT_FALSE(path.empty()) << "mbedTLS is loaded but init did not go through the interposer (is it exported?)";
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_NO_THROW(load_deferred_ca());
  EXPECT_NO_THROW(load_deferred_ca());  // once
  // After init the function forwards to mbedTLS: a missing file fails for real.
  EXPECT_LT(git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, "/nonexistent/ca.crt", nullptr), 0);
  // And the recorded bundle parses.
  EXPECT_EQ(git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, path.c_str(), nullptr), 0);
}

}  // namespace
