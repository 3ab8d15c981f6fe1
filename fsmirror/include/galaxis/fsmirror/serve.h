// galaxis/fsmirror/serve.h — `galaxis-relay mirror --serve PATH`, the far
// side of an SSH destination (not a public interface).
//
// Reads protocol frames (protocol.h) from `in_fd`, runs them on a
// LocalDestination rooted at PATH (or, when HELLO asks for --atomic-tree, the
// snapshot-building destination of atomic_tree.h, which writes through a
// LocalDestination too) and answers on `out_fd`. Whatever the peer
// sends, the root is enforced by the LocalDestination: every path is checked
// (no '..', no absolute paths, no NUL, length limits) and resolved with
// O_NOFOLLOW from the root's fd, so nothing is written through a symlink or
// outside PATH. A malformed frame (unknown type, oversized length, bad zstd,
// bad entry) is answered with ERROR and ends the session (exit 1): the byte
// stream cannot be trusted after it.
//
// When `in_fd` is a pipe (sshd's exec channel) it is grown to 2 MiB (1 MiB
// unprivileged) first: with the default 64 KiB, sshd buffered the sender's
// bytes itself while this side wrote a file, and its buffer growth (realloc
// and copy into fresh pages) cost sshd 2–3x the CPU of everything else on
// this side (serve.cc, grow_input_pipe).
#pragma once

#include <string>

namespace galaxis::fsmirror {

int run_serve(const std::string& root, int in_fd, int out_fd);

}  // namespace galaxis::fsmirror
