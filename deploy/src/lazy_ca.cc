#include "lazy_ca.h"

#include <dlfcn.h>
#include <git2.h>

#include <atomic>
#include <mutex>

#include "galaxis/common/error.h"

namespace galaxis::deploy::detail {
namespace {

std::atomic<bool> deferring{false};
std::mutex deferred_mutex;
std::string deferred_path;  // under deferred_mutex

}  // namespace
}  // namespace galaxis::deploy::detail

// Interposes mbedTLS's function for libgit2 (see lazy_ca.h). The chain
// argument is opaque here: only mbedTLS looks inside.
extern "C" int mbedtls_x509_crt_parse_file(void* chain, const char* path) {
  using namespace galaxis::deploy::detail;
  if (deferring.load() && path != nullptr) {
    std::lock_guard lock(deferred_mutex);
    deferred_path = path;
    return 0;  // an empty, valid chain
  }
  using Parse = int (*)(void*, const char*);
  static const Parse real = reinterpret_cast<Parse>(::dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file"));
  constexpr int kFileIoError = -0x2900;  // MBEDTLS_ERR_X509_FILE_IO_ERROR
  return real != nullptr ? real(chain, path) : kFileIoError;
}

namespace galaxis::deploy::detail {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    deferring = true;
    git_libgit2_init();
    deferring = false;
  });
}

std::string deferred_ca_path() {
  std::lock_guard lock(deferred_mutex);
  return deferred_path;
}

void load_deferred_ca() {
  init_libgit2();
  static std::once_flag once;
  static int rc = 0;
  static std::string message;
  std::call_once(once, [] {
    const std::string path = deferred_ca_path();
    if (path.empty()) return;  // nothing was deferred (OpenSSL build): libgit2 did it itself
    rc = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, path.c_str(), nullptr);
    if (rc < 0) {
      const git_error* e = git_error_last();
      message = e != nullptr && e->message != nullptr ? e->message : "unknown libgit2 error";
    }
  });
  if (rc < 0) throw_error(Error::Kind::kIo, "loading the CA certificates {}: {}", deferred_ca_path(), message);
}

}  // namespace galaxis::deploy::detail
