// galaxis/fsmirror/remote_destination.h — Destination speaking the --serve
// protocol (protocol.h) over any byte stream; ssh.h provides the SSH one.
// Requests are pipelined: directory/symlink/metadata requests are not
// answered, and up to 64 file commits are in flight before their answers are
// read. Every answer is read before a deletion and before the completion
// marker, so a failed addition is reported before anything is deleted.
// The far side's index is cached on this side between runs: LOAD_INDEX names
// the cached copy's identity and an index the far side has not rewritten
// since is not sent again (for a 1,000,000-file tree, 100 MB a cycle).
#pragma once

#include <memory>
#include <string>

#include "galaxis/fsmirror/destination.h"
#include "galaxis/fsmirror/frame_io.h"

namespace galaxis::fsmirror {

// `stream` must outlive the destination. `describe` names it in messages.
// `index_cache_dir`: where the far side's index is kept between runs
// (fsmirror/src/index_cache.h; "" = not kept: every cycle loads it whole).
std::unique_ptr<Destination> make_remote_destination(ByteStream& stream, std::string describe,
                                                     const DestinationOptions& options,
                                                     const std::string& index_cache_dir = "");

}  // namespace galaxis::fsmirror
