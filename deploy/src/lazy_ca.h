// deploy/src/lazy_ca.h — libgit2 without parsing the CA bundle at start-up.
//
// Debian's libgit2 1.5 uses mbedTLS, and git_libgit2_init() parses the whole
// system CA bundle (/etc/ssl/certs/ca-certificates.crt, ~140 certificates)
// at once: 53 M of the 72 M instructions of a no-change `deploy now`
// (callgrind), paid by every file:// and ssh:// run that never opens a TLS
// connection. init_libgit2() defers that parse: lazy_ca.cc defines
// mbedtls_x509_crt_parse_file in the executable (exported with
// --export-dynamic-symbol, so libgit2's call binds to it first); during
// git_libgit2_init it only records the path and returns "no certificates";
// otherwise it forwards to mbedTLS (dlsym RTLD_NEXT). Before an https://
// fetch, load_deferred_ca() hands the recorded path to libgit2
// (GIT_OPT_SET_SSL_CERT_LOCATIONS), which parses it then, exactly as init
// would have. With a libgit2 built on OpenSSL the function is never called
// and nothing changes.
#pragma once

#include <string>

namespace galaxis::deploy::detail {

// git_libgit2_init() once per process, with the CA bundle deferred.
void init_libgit2();
// Loads the CA bundle libgit2 asked for at init (once); before https://.
// Throws Error(kIo) when libgit2 refuses it.
void load_deferred_ca();
// The path libgit2 asked to parse at init ("" when nothing was deferred).
std::string deferred_ca_path();

}  // namespace galaxis::deploy::detail
