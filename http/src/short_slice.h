// short_slice.h — ask the scheduler for a short time slice on the calling
// thread (Linux >= 6.12 EEVDF "custom slice": sched_setattr with
// sched_runtime on a SCHED_OTHER thread; unprivileged, the nice value is
// kept). Why: the server's I/O thread sleeps nearly all the time and runs
// ~0.1 ms per request. On a box saturated by other work, a woken thread with
// the default 3 ms slice queues behind the running ones for whole slices —
// the webhook's p99 of tens of ms while its p50 was 1-3 ms (bench/deploy).
// With a short slice its deadline comes first and it preempts at once; it
// gets no more CPU than before (same weight), only sooner. Older kernels
// ignore the field; a failure is logged at debug level and changes nothing.
#pragma once

#include <cstdint>

namespace galaxis::http {

// Requests a slice of `nanoseconds` (the kernel clamps to 0.1-100 ms).
// Returns false when the kernel refused (errno left set).
bool request_short_slice(uint64_t nanoseconds);

}  // namespace galaxis::http
