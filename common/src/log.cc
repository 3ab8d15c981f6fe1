#include "galaxis/common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "galaxis/common/error.h"

namespace galaxis::log {

Level parse_level(std::string_view name) {
  if (name == "trace") return Level::kTrace;
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  throw_error(Error::Kind::kUsage, "unknown log level '{}' (expected trace, debug, info, warn, error or off)", name);
}

void init(Level level) {
  auto logger = spdlog::get("galaxis");
  if (!logger) logger = spdlog::stderr_color_mt("galaxis");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  static constexpr spdlog::level::level_enum kMap[] = {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                                                       spdlog::level::warn,  spdlog::level::err,   spdlog::level::off};
  spdlog::set_level(kMap[static_cast<int>(level)]);
}

}  // namespace galaxis::log
