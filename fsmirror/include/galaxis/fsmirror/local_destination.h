// galaxis/fsmirror/local_destination.h — Destination on a local directory.
//
// Layout: ROOT/... the mirrored tree, ROOT/.galaxis-mirror/ the state:
// `index` (index.h), `complete.json` (the completion marker: sequence, time,
// files, bytes, source host), `dirty` (a cycle is in progress) and `lock`
// (flock, one mirror per destination). Temp files are named
// `.galaxis-tmp~<16 hex>` in the directory of their final name; a scan
// removes leftovers. Also used by the --serve side for a remote sender.
#pragma once

#include <memory>
#include <string>

#include "galaxis/fsmirror/destination.h"

namespace galaxis::fsmirror {

std::unique_ptr<Destination> make_local_destination(const std::string& root, const DestinationOptions& options);

}  // namespace galaxis::fsmirror
