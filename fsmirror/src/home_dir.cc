// home_dir (home_dir.h).
#include "home_dir.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace galaxis::fsmirror {

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return h;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_dir;
  return "/";
}

}  // namespace galaxis::fsmirror
