// tests/fuzz/fuzz_common.h — what every binlog fuzz target does with one
// stream of events: decode, expand transaction payloads, format as text and
// jsonl. Only galaxis::Error may escape the library on bad input; anything
// else (std::length_error, bad_alloc from a wild length, out_of_range...)
// is a bug and aborts so libFuzzer records the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "galaxis/common/error.h"

namespace galaxis::fuzz {

template <typename Fn>
void run_guarded(Fn&& fn) {
  try {
    fn();
  } catch (const galaxis::Error&) {
    // Bad input reported properly.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "non-galaxis exception escaped: %s\n", e.what());
    std::abort();
  }
}

}  // namespace galaxis::fuzz
