// Internal: starting and stopping child processes for the harness.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace galaxis::testing::internal {

// Starts argv[0] (an absolute path) with stdin from /dev/null and stdout +
// stderr appended to `output_path`. The child gets SIGKILL when this thread
// exits (PR_SET_PDEATHSIG), so servers never outlive a crashed test binary.
// Throws Error(kRuntime) when the fork fails; an exec failure shows up as
// exit code 127 with the reason in `output_path`.
pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path);

// Waits up to `timeout` for `pid` (our child) to exit; returns true when it
// has exited (and was reaped), false on timeout. *status gets waitpid's status.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr);

// Non-blocking: true when our child `pid` has exited (it is then reaped).
bool has_exited(pid_t pid, int* status = nullptr);

// Sends SIGTERM, waits `grace`, then SIGKILL and waits until it is gone.
void terminate(pid_t pid, std::chrono::milliseconds grace);

// "exit code 1" / "killed by signal 9".
std::string describe_status(int status);

}  // namespace galaxis::testing::internal
