// galaxis/deploy/serve.h — `deploy serve`: the webhook receiver.
//
// One galaxis::http::Server on `listen`: POST (any path) goes to Webhook
// (webhook.h), GET /health and /metrics answer from the queue and the
// status (release.h). Accepted pushes go to a DeployQueue whose runs call
// deploy() with the delivery IDs as trigger. Limits: body at most
// max_body_bytes (413 above), read_timeout for a whole request (slow
// clients are cut off), max_connections open at once. HTTPS when
// tls_cert/tls_key are given (http::TlsFiles). The deploy worker runs at
// nice +10 so answers stay fast while runs go back to back (queue.h).
//
// serve() blocks until SIGTERM/SIGINT (or *stop becomes true when given),
// then finishes the running deploy. Throws Error(kUsage/kIo) when it
// cannot start (no secret, port busy).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "galaxis/common/secret.h"
#include "galaxis/deploy/release.h"

namespace galaxis::deploy {

struct ServeOptions {
  DeployOptions deploy;
  std::string listen = "127.0.0.1:9102";
  Secret secret;
  uint64_t max_body_bytes = 25u << 20;
  std::chrono::milliseconds read_timeout{10000};
  unsigned max_connections = 64;
  // HTTPS on `listen` when both are set (PEM; see http::TlsFiles): the port
  // then refuses plain HTTP. One without the other is Error(kUsage).
  std::string tls_cert;
  std::string tls_key;
};

// Prints "listening on ADDR:PORT" (the bound port) at info level once ready.
int serve(const ServeOptions& options);

}  // namespace galaxis::deploy
