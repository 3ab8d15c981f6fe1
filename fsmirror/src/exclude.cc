// --exclude matching (exclude.h): fnmatch(3) per rule.
#include "galaxis/fsmirror/exclude.h"

#include <fnmatch.h>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {
namespace {

// Matches `glob` against `text`, where '**' crosses '/' and '*' does not.
// fnmatch has no '**', so a glob containing it is matched without
// FNM_PATHNAME after turning '**' into '*' (which then crosses '/').
bool glob_match(const std::string& glob, const std::string& text) {
  if (glob.find("**") != std::string::npos) {
    std::string loose;
    for (size_t i = 0; i < glob.size(); ++i) {
      if (glob[i] == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
        loose += '*';
        ++i;
      } else {
        loose += glob[i];
      }
    }
    return fnmatch(loose.c_str(), text.c_str(), 0) == 0;
  }
  return fnmatch(glob.c_str(), text.c_str(), FNM_PATHNAME) == 0;
}

}  // namespace

ExcludeSet::ExcludeSet(const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    Rule rule;
    std::string glob = pattern;
    if (!glob.empty() && glob.back() == '/') {
      rule.dir_only = true;
      while (!glob.empty() && glob.back() == '/') glob.pop_back();
    }
    if (!glob.empty() && glob.front() == '/') {
      rule.anchored = true;
      glob.erase(0, glob.find_first_not_of('/'));
    }
    if (glob.empty()) throw_error(Error::Kind::kUsage, "--exclude '{}': empty pattern", pattern);
    rule.has_slash = glob.find('/') != std::string::npos;
    rule.glob = std::move(glob);
    rules_.push_back(std::move(rule));
  }
}

bool ExcludeSet::excluded(std::string_view rel_path, bool is_dir) const {
  if (rules_.empty()) return false;
  const std::string path(rel_path);
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const Rule& rule : rules_) {
    if (rule.dir_only && !is_dir) continue;
    if (rule.anchored) {
      if (glob_match(rule.glob, path)) return true;
    } else if (!rule.has_slash) {
      if (glob_match(rule.glob, base)) return true;
    } else {
      // Unanchored with a '/': the whole path or any trailing run of components.
      if (glob_match(rule.glob, path)) return true;
      for (size_t pos = path.find('/'); pos != std::string::npos; pos = path.find('/', pos + 1)) {
        if (glob_match(rule.glob, path.substr(pos + 1))) return true;
      }
    }
  }
  return false;
}

}  // namespace galaxis::fsmirror
