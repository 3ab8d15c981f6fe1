// galaxis/common/version.h — the product version, set by CMake.
#pragma once

#include <string_view>

namespace galaxis {
std::string_view version();
}  // namespace galaxis
