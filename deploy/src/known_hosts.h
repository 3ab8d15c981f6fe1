// deploy/src/known_hosts.h — pinned SSH host keys (internal).
//
// Host keys (raw SSH wire blobs) listed for `host` (port 22) or
// "[host]:port" in an OpenSSH known_hosts file; plain host patterns only
// (hashed entries are skipped). Throws Error(kUsage) when the file cannot
// be read. Used by the libgit2 fetch and the libssh2 peer connection.
#pragma once

#include <string>
#include <vector>

namespace galaxis::deploy::detail {

std::vector<std::string> known_host_keys(const std::string& path, const std::string& host, unsigned port);

}  // namespace galaxis::deploy::detail
