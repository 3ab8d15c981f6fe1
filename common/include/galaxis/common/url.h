// galaxis/common/url.h — connection URLs for source and target servers.
//
//   mysql://user@host:port[/database][?socket=PATH&ssl-mode=MODE&ssl-ca=PATH]
//   mysql://user@[::1]:3307
//
// A password inside the URL (user:pass@) is refused with a usage error:
// passwords come from GALAXIS_*_PASSWORD or --*-password-file only.
// Host must be given; port defaults to 3306. Percent-escapes are decoded
// in user and query values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "galaxis/common/secret.h"

namespace galaxis {

enum class SslMode { kDisabled, kPreferred, kRequired, kVerifyCa, kVerifyIdentity };

struct ConnectionUrl {
  std::string user;
  std::string host;
  uint16_t port = 3306;
  std::string database;  // optional default database
  std::string socket;    // unix socket path; when set, host/port are informational
  SslMode ssl_mode = SslMode::kPreferred;
  std::string ssl_ca;
  Secret password;  // filled by the CLI from env/file, never parsed from the URL

  // "user@host:port" (or "user@socket:PATH"): safe for logs and messages.
  std::string display() const;
};

// Throws Error(kUsage) naming the problem.
ConnectionUrl parse_connection_url(std::string_view url);

SslMode parse_ssl_mode(std::string_view name);
std::string_view to_string(SslMode mode);

}  // namespace galaxis
