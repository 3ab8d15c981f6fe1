# Every dependency comes from Debian 12 packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(zstd REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
pkg_check_modules(LIBSSH2 REQUIRED IMPORTED_TARGET libssh2)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # relay: MariaDB client_ed25519
# The relay's reader thread allocates decoded events that the applier thread
# frees; glibc malloc spends a third of the relay's CPU on that (arena locks,
# consolidation). jemalloc made a compacted catch-up 1.7x faster (bench/RESULTS.md).
# Not with the sanitizers, which bring their own allocator.
if(NOT GALAXIS_SANITIZE AND NOT GALAXIS_FUZZ)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
if(TARGET zstd::libzstd_shared)
  set(GALAXIS_ZSTD zstd::libzstd_shared)
else()
  set(GALAXIS_ZSTD zstd::libzstd_static)
endif()
if(GALAXIS_TESTS)
  find_package(GTest REQUIRED)
endif()
