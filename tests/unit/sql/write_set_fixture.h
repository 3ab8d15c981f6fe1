// A finished WriteSet from its exclusive and shared tokens (write set and
// epoch router tests).
#pragma once

#include <cstdint>
#include <initializer_list>

#include "galaxis/sql/write_set.h"

namespace galaxis::sql {

inline WriteSet write_set_of(std::initializer_list<uint64_t> exclusive, std::initializer_list<uint64_t> shared = {}) {
  WriteSet set;
  for (uint64_t t : exclusive) set.add(t);
  for (uint64_t t : shared) set.add_shared(t);
  set.finish();
  return set;
}

}  // namespace galaxis::sql
