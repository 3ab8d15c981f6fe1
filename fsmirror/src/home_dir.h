// home_dir.h (private to fsmirror/src) — the user's home directory: $HOME,
// else the password database's entry (a service started without HOME), else
// "/". Used for ~/.ssh (ssh.cc) and ~/.cache (index_cache.cc).
#pragma once

#include <string>

namespace galaxis::fsmirror {

std::string home_dir();

}  // namespace galaxis::fsmirror
