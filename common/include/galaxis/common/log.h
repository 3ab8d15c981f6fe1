// galaxis/common/log.h — logging with levels, to stderr.
//
// A thin layer over spdlog so that every module logs the same way and the
// CLI chooses the level in one place. Thread-safe. Messages must never
// contain secrets; pass a Secret (secret.h) and it prints as "***".
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace galaxis::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Parses "trace|debug|info|warn|error|off"; throws Error(kUsage) otherwise.
Level parse_level(std::string_view name);

// Installs the process-wide stderr logger. Safe to call more than once.
void init(Level level);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::trace;
using spdlog::warn;

}  // namespace galaxis::log
