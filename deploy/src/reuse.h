// deploy/src/reuse.h — reuse a dependency directory (composer's vendor/)
// of the previous release when its lock file is byte-for-byte unchanged.
//
// reuse_dir(previous, release, {"vendor", "composer.lock"}) fills
// release/vendor from previous/vendor when: both releases have
// composer.lock with the same bytes, previous/vendor is a real directory,
// and the new release has no vendor/ of its own (tracked or shared). It
// runs before the before-switch hooks, so `composer install` then finds a
// complete vendor/ and only checks it (seconds instead of a download).
//
// How: a hard-link copy — directories and symlinks are recreated, regular
// files are link(2)ed (no data written) — except the files a package
// manager rewrites *in place* on every install, which are real copies so
// that rewriting them cannot change the previous (maybe still live)
// release: regular files directly in vendor/ (autoload.php) and everything
// under vendor/composer/ (the autoloader maps, installed.json). Cost, as for
// hard-linked tracked files: a hook that rewrites another vendor file in
// place changes it in the older releases too.
//
// Never fails the deploy: any error removes the partial copy, is logged
// and reported in ReuseResult::why, and the hooks build vendor/ as before.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace galaxis::deploy::detail {

struct ReuseSpec {
  std::string dir;        // relative to the release, e.g. "vendor"
  std::string lock_file;  // relative to the release, e.g. "composer.lock"
};

// "DIR:FILE" -> spec; throws Error(kUsage) for anything else (absolute, "..").
ReuseSpec parse_reuse_spec(const std::string& text);

struct ReuseResult {
  bool reused = false;
  std::string why;  // when not reused
  size_t linked = 0, copied = 0;
  double ms = 0;
};

ReuseResult reuse_dir(const std::filesystem::path& previous_release, const std::filesystem::path& release,
                      const ReuseSpec& spec);

}  // namespace galaxis::deploy::detail
