// index_cache.h (private to fsmirror/src) — the sender's copy of a remote
// destination's index, kept between runs so that an index the far side has
// not rewritten does not cross the wire again (protocol.h, LOAD_INDEX).
//
// One file per destination: DIR/<SHA-256 of the destination's name>.index,
// holding "GXMIC1\n", u16 identity length, the far side's identity of the
// index (Destination::index_identity) and the index bytes. The far side
// decides whether the copy is current, so a stale, damaged or missing cache
// costs one transfer, never a wrong cycle; failing to read or write it is
// logged at debug level and otherwise ignored. Written as temp + rename,
// mode 0600 in a 0700 directory (an index lists every path and owner).
#pragma once

#include <string>
#include <string_view>

namespace galaxis::fsmirror {

class IndexCache {
 public:
  // `dir` is created on the first store().
  IndexCache(std::string dir, std::string_view destination);

  // The cached identity and index bytes; false (both cleared) when there is
  // no usable copy.
  bool load(std::string* identity, std::string* bytes) const;
  void store(std::string_view identity, std::string_view bytes) const;
  void forget() const;

  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

// $XDG_CACHE_HOME/galaxis-relay/mirror-index, else ~/.cache/... (home_dir.h);
// "" when there is no home but "/" (no cache).
std::string default_index_cache_dir();

}  // namespace galaxis::fsmirror
