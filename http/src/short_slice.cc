// request_short_slice (short_slice.h).
#include "short_slice.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace galaxis::http {
namespace {

// Not in glibc 2.36's headers (Debian 12); the kernel's layout (SCHED_ATTR_SIZE_VER1).
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

}  // namespace

bool request_short_slice(uint64_t nanoseconds) {
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = SCHED_OTHER;
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  if (nice == -1 && errno != 0) return false;
  attr.sched_nice = nice;  // unchanged: only the slice is asked for
  attr.sched_runtime = nanoseconds;
  return ::syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace galaxis::http
