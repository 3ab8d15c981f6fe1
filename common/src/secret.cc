#include "galaxis/common/secret.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "galaxis/common/error.h"

namespace galaxis {

Secret::~Secret() {
  // volatile writes so the compiler cannot drop the wipe of dead memory.
  volatile char* p = value_.data();
  for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
}

std::optional<Secret> read_secret(std::string_view env_name, const std::string& file_path) {
  if (!file_path.empty()) {
    std::ifstream in(file_path, std::ios::binary);
    if (!in) throw_error(Error::Kind::kUsage, "cannot read secret file '{}': {}", file_path, std::strerror(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    std::string value = buf.str();
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
    return Secret(std::move(value));
  }
  if (!env_name.empty()) {
    if (const char* env = std::getenv(std::string(env_name).c_str())) return Secret(env);
  }
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  // Touch the longer remainder too so the loop length depends only on sizes.
  for (size_t i = n; i < b.size(); ++i) diff |= static_cast<unsigned char>(b[i]);
  return diff == 0;
}

}  // namespace galaxis
