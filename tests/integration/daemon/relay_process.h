// The daemon tests' child processes: the relay CLI as a ChildProcess
// (galaxis/testing/child_process.h), and a plain HTTP GET for /health.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "galaxis/testing/child_process.h"

namespace galaxis::testing {

// The relay CLI under test (GALAXIS_BINARY) with `args`.
class RelayProcess : public ChildProcess {
 public:
  RelayProcess(std::vector<std::string> args, std::string log_path)
      : ChildProcess(relay_argv(std::move(args)), std::move(log_path)) {}
};

// GET http://127.0.0.1:port/path → (status code, body); throws on connect failure.
std::pair<int, std::string> http_get(uint16_t port, const std::string& path);

}  // namespace galaxis::testing
