// galaxis/fsmirror/remote_destination.h — Destination speaking the --serve
// protocol (protocol.h) over any byte stream; ssh.h provides the SSH one.
// Unanswered requests are pipelined; an answered one (file commit, delete,
// finish) reports the first failure since the last answer, so errors surface
// at the next file commit at the latest, and before any deletion.
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
