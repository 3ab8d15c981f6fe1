// open_beneath (open_beneath.h).
#include "open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {

int open_beneath(int base_fd, const std::string& rel, int flags) {
  flags |= O_NOFOLLOW | O_CLOEXEC;
  open_how how{};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
  const long fd = ::syscall(SYS_openat2, base_fd, rel.c_str(), &how, sizeof(how));
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  const std::vector<std::string_view> parts = split_rel_path(rel);
  if (parts.empty()) {
    errno = EINVAL;
    return -1;
  }
  int current = base_fd;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    const int next = ::openat(current, std::string(parts[i]).c_str(),
                              last ? flags : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    if (current != base_fd) ::close(current);
    if (next < 0) {
      errno = err;
      return -1;
    }
    current = next;
  }
  return current;
}

}  // namespace galaxis::fsmirror
