// galaxis/fsmirror/remote_destination.h — Destination speaking the --serve
// protocol (protocol.h) over any byte stream; ssh.h provides the SSH one.
// Requests are pipelined: directory/symlink/metadata requests are not
// answered, and up to 64 file commits are in flight before their answers are
// read. Every answer is read before a deletion and before the completion
// marker, so a failed addition is reported before anything is deleted.
#pragma once

#include <memory>
#include <string>

#include "galaxis/fsmirror/destination.h"
#include "galaxis/fsmirror/frame_io.h"

namespace galaxis::fsmirror {

// `stream` must outlive the destination. `describe` names it in messages.
std::unique_ptr<Destination> make_remote_destination(ByteStream& stream, std::string describe,
                                                     const DestinationOptions& options);

}  // namespace galaxis::fsmirror
