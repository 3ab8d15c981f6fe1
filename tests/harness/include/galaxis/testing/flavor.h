// galaxis/testing/flavor.h — which database server a test runs against.
//
// Three flavours: MariaDB 10.11 (Debian 12's own packages, run natively),
// MariaDB 11.8 and Oracle MySQL 9.7 (each inside a debootstrap chroot built
// by scripts/build-chroots and cached in $GALAXIS_CHROOT_DIR, default
// /var/cache/galaxis-relay/chroots). A flavour whose chroot is missing or
// failed to build is unavailable: tests for it skip loudly with the reason
// (GALAXIS_REQUIRE_FLAVOR), they never pass silently.
//
// Thread-safety: all functions here are safe to call from any thread.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace galaxis::testing {

enum class Flavor { kMariaDB1011, kMariaDB118, kMySQL97 };

// "mariadb-10.11", "mariadb-11.8", "mysql-9.7" (also the chroot folder names).
std::string_view flavor_name(Flavor flavor);

// The same with only [A-Za-z0-9_], for gtest parameter names: "mariadb_10_11".
std::string flavor_test_name(Flavor flavor);

// Every flavour, available or not (tests iterate these and skip the missing).
std::vector<Flavor> all_flavors();

bool is_mysql(Flavor flavor);    // Oracle MySQL (SHOW BINARY LOG STATUS, GTID uuid:n)
bool is_mariadb(Flavor flavor);  // MariaDB (SHOW MASTER STATUS, GTID d-s-n)

// Whether the flavour can run on this machine. When it cannot and `why` is
// non-null, *why says what is missing and what to do (e.g. "run
// scripts/build-chroots"; or the reason the chroot build failed).
bool flavor_available(Flavor flavor, std::string* why);

// Root of the flavour's chroot ("" for the native flavour). Host paths under
// it are seen by the server without this prefix.
std::string chroot_dir(Flavor flavor);

// Folder holding all chroots: $GALAXIS_CHROOT_DIR or /var/cache/galaxis-relay/chroots.
std::string chroot_root();

// For INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(all_flavors()), FlavorParamName()).
struct FlavorParamName {
  std::string operator()(const ::testing::TestParamInfo<Flavor>& info) const { return flavor_test_name(info.param); }
};

}  // namespace galaxis::testing

// Skips the current test (GTEST_SKIP) with a loud reason when the flavour
// cannot run here. Use at the top of a TEST body or SetUp().
#define GALAXIS_REQUIRE_FLAVOR(flavor)                                                          \
  do {                                                                                          \
    std::string galaxis_flavor_why_;                                                            \
    if (!::galaxis::testing::flavor_available((flavor), &galaxis_flavor_why_)) {                \
      GTEST_SKIP() << "FLAVOR UNAVAILABLE: " << ::galaxis::testing::flavor_name(flavor) << ": " \
                   << galaxis_flavor_why_;                                                      \
    }                                                                                           \
  } while (0)
