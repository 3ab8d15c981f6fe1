// galaxis/relay/http_client.h — one plain-HTTP GET, for `status
// --health-url` to read a running relay's /health. A thin name for
// galaxis::http::get (http/include/galaxis/http/client.h), which documents
// the limits and errors.
#pragma once

#include <chrono>
#include <string>

#include "galaxis/http/client.h"

namespace galaxis::relay {

using HttpResult = http::Result;

inline HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return http::get(url, timeout);
}

}  // namespace galaxis::relay
