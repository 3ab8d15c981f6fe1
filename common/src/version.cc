#include "galaxis/common/version.h"

namespace galaxis {
std::string_view version() { return GALAXIS_VERSION; }
}  // namespace galaxis
