// `galaxis-relay mirror` (command.h).
#include "galaxis/fsmirror/command.h"

#include <signal.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/atomic_tree.h"
#include "galaxis/fsmirror/health.h"
#include "galaxis/fsmirror/local_destination.h"
#include "galaxis/fsmirror/remote_destination.h"
#include "galaxis/fsmirror/serve.h"
#include "galaxis/fsmirror/ssh.h"
#include "galaxis/fsmirror/watch.h"
#include "index_cache.h"

namespace galaxis::fsmirror {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

// SIGTERM/SIGINT set g_stop; without SA_RESTART they also interrupt poll().
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

// The destination and, for ssh://, the channel it talks through (declared
// first so it is destroyed last).
struct OpenDestination {
  std::unique_ptr<SshChannel> channel;
  std::unique_ptr<Destination> dest;
};

OpenDestination open_destination(const CommandOptions& options) {
  DestinationOptions dest_options;
  dest_options.fsync = options.fsync;
  dest_options.set_owner = options.mirror.owners;
  dest_options.numeric_ids = options.mirror.numeric_ids;
  OpenDestination out;
  if (options.dest.rfind("ssh://", 0) == 0) {
    dest_options.atomic_tree = options.atomic_tree;  // the far side builds the snapshots
    const SshUrl url = parse_ssh_url(options.dest);
    SshOptions ssh;
    ssh.identity = options.identity;
    ssh.known_hosts = options.known_hosts;
    ssh.remote_path = options.remote_path;
    out.channel = open_ssh_serve_channel(url, ssh);
    out.dest = make_remote_destination(*out.channel, "ssh://" + url.display(), dest_options, default_index_cache_dir());
    try {
      out.dest->open(options.mirror.dry_run);
    } catch (Error& e) {
      // The far side failed to start (no galaxis-relay there?): show what it said.
      const std::string remote = out.channel->remote_stderr();
      if (!remote.empty()) e.add_context(fmt::format("far side said: {}", remote));
      throw;
    }
    return out;
  }
  // A local DEST takes the cycle's files on several threads at once (mirror.h).
  out.dest = options.atomic_tree ? make_atomic_tree_destination(options.dest, dest_options)
                                 : make_local_destination(options.dest, dest_options);
  out.dest->open(options.mirror.dry_run);
  return out;
}

int report(const CycleResult& result, const CommandOptions& options, const std::string& dest) {
  if (options.json) {
    const std::string json = cycle_json(result, options.mirror, dest);
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (result.refused) {
    log::error("mirror: refused: {}; --force-delete overrides once", result.refusal);
    return 3;
  }
  if (!result.complete) {
    log::error(
        "mirror: {} files were still being written and were not copied; the completion marker was not "
        "updated",
        result.unsettled);
    return 1;
  }
  log::info("mirror: {} -> {}: {} files ({} bytes) copied, {} symlinks, {} deleted, {} metadata fixes in {:.2f}s",
            options.mirror.source, dest, result.files_copied, result.bytes_copied, result.symlinks_made, result.deleted,
            result.meta_set, result.seconds);
  return 0;
}

}  // namespace

int run_mirror_serve(const std::string& root) { return run_serve(root, 0, 1); }

int run_mirror(const CommandOptions& options) {
  if (options.mirror.source.empty()) throw_error(Error::Kind::kUsage, "mirror: SRC is required");
  if (options.dest.empty()) throw_error(Error::Kind::kUsage, "mirror: DEST is required");
  if (!options.watch && !options.health_listen.empty()) {
    throw_error(Error::Kind::kUsage, "--health-listen needs --watch");
  }
  // A one-shot cycle over ssh scans the source while the destination opens
  // (the SSH session and the far side's start-up take longer than the scan).
  std::future<ScanResult> prescan;
  if (!options.watch && options.dest.rfind("ssh://", 0) == 0) prescan = start_source_scan(options.mirror);
  const auto opening = std::chrono::steady_clock::now();
  OpenDestination opened = open_destination(options);
  log::debug("mirror: opening {} took {:.1f} ms", opened.dest->describe(),
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - opening).count());
  Destination* dest = opened.dest.get();
  if (options.watch) {
    if (options.mirror.dry_run) throw_error(Error::Kind::kUsage, "--watch and --dry-run do not go together");
    install_stop_handlers();
    WatchOptions watch;
    watch.verify_interval_seconds = options.verify_interval_seconds;
    MirrorStats stats;
    std::unique_ptr<http::Server> health;
    if (!options.health_listen.empty()) {
      health = start_health_server(options.health_listen, stats, options.max_age_seconds);
      watch.heartbeat_seconds = std::max(0.5, options.max_age_seconds / 3);
    }
    watch.on_cycle = [&](const CycleResult& result, const std::string& error) {
      if (!error.empty()) {
        ++stats.errors;
      } else if (result.refused) {
        ++stats.refused;
      } else if (result.complete) {
        ++stats.cycles;
        timespec now;
        ::clock_gettime(CLOCK_REALTIME, &now);
        stats.last_complete_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
      }
      stats.files_copied += result.files_copied;
      stats.bytes_copied += result.bytes_copied;
      stats.deleted += result.deleted;
      if (options.json && error.empty()) {
        const std::string json = cycle_json(result, options.mirror, dest->describe());
        std::fwrite(json.data(), 1, json.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
      }
    };
    if (opened.channel) {
      watch.reconnect = [&]() -> Destination* {
        opened.dest.reset();  // says goodbye on the old channel if it still works
        opened.channel.reset();
        opened = open_destination(options);
        return opened.dest.get();
      };
    }
    MirrorOptions mirror = options.mirror;
    mirror.progress = false;
    return run_watch(*dest, mirror, watch, &g_stop);
  }
  try {
    const CycleResult result = run_cycle(*dest, options.mirror, std::move(prescan));
    return report(result, options, dest->describe());
  } catch (Error& e) {
    // The far side's answer to HELLO is read with the cycle's first answers
    // (not waited for in open()): if it failed to start (no galaxis-relay
    // there?), show what it said.
    if (opened.channel) {
      const std::string remote = opened.channel->remote_stderr();
      if (!remote.empty()) e.add_context(fmt::format("far side said: {}", remote));
    }
    throw;
  }
}

}  // namespace galaxis::fsmirror
