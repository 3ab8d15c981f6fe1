// galaxis/fsmirror/exclude.h — --exclude PATTERN, rsync-like simple globs.
//
// Rules (a subset of rsync's filter rules, enough for `cache/`, `*.tmp`,
// `/logs/`, `sessions/sess_*`):
//  - '*' matches within one path component, '?' one byte, [..] a class
//    (fnmatch(3) with FNM_PATHNAME); '**' matches across components;
//  - a trailing '/' makes the pattern match directories only;
//  - a leading '/' anchors the pattern at the tree root;
//  - a pattern without any other '/' matches the last component at any depth,
//    one with a '/' matches the whole relative path (or, unanchored, any
//    trailing run of components).
// An excluded directory is not descended into. Excluded paths are neither
// copied nor deleted on the destination (like rsync without --delete-excluded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace galaxis::fsmirror {

class ExcludeSet {
 public:
  ExcludeSet() = default;
  // Throws Error(kUsage) for an empty pattern.
  explicit ExcludeSet(const std::vector<std::string>& patterns);

  bool excluded(std::string_view rel_path, bool is_dir) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string glob;
    bool dir_only = false;
    bool anchored = false;
    bool has_slash = false;
  };
  std::vector<Rule> rules_;
};

}  // namespace galaxis::fsmirror
