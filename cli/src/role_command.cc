// `galaxis-relay role serve|check`: tell load balancers and VRRP which
// server of a pair takes the writes (docs/failover-lb.md). Wiring only:
// flags → relay::RoleMonitor / read_role_once → relay::decide_role().
//
//  role serve --target URL --agent-listen ADDR:PORT [--health-listen ADDR:PORT]
//      for a server without a relay applying to it (the active side): answers
//      HAProxy's agent-check and GET /role until SIGTERM/SIGINT.
//  role check --target URL
//      one read; prints the reason; exit 0 active, 1 passive, 2 fenced or no
//      role row, 3 cannot tell (keepalived vrrp_script). Usage errors also
//      exit 2 — keepalived counts every non-zero as a failed check.
//
// Passwords: $GALAXIS_TARGET_PASSWORD / --target-password-file (and PEER).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "connection_options.h"
#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/http/server.h"
#include "galaxis/relay/agent_server.h"
#include "galaxis/relay/health_server.h"
#include "galaxis/relay/role_monitor.h"

namespace galaxis::cli {
namespace {

struct RoleFlags {
  std::string checkpoint_schema = "galaxis_relay";
  std::string stream = "default";
  std::string passive_reply = "maint";
  std::string agent_listen;
  std::string health_listen;
  unsigned interval_ms = 500;
  unsigned stale_after_ms = 3000;
};

void add_common(CLI::App& cmd, RoleFlags& flags) {
  cmd.add_option("--checkpoint-schema", flags.checkpoint_schema, "schema holding the role table")
      ->capture_default_str();
  cmd.add_option("--stream", flags.stream, "the pair's name (the relay's stream name)")->capture_default_str();
}

relay::RoleMonitorOptions monitor_options(const ConnectionOption& target, const ConnectionOption& peer,
                                          const RoleFlags& flags) {
  relay::RoleMonitorOptions o;
  o.server = target.resolve();
  if (peer.given()) o.peer = peer.resolve();
  o.checkpoint_schema = flags.checkpoint_schema;
  o.pair = flags.stream;
  o.interval = std::chrono::milliseconds(flags.interval_ms);
  o.stale_after = std::chrono::milliseconds(flags.stale_after_ms);
  o.agent.passive_reply = relay::parse_passive_reply(flags.passive_reply);
  return o;
}

}  // namespace

void register_role_command(CLI::App& app, int* exit_code) {
  CLI::App* role = app.add_subcommand("role", "Tell HAProxy / keepalived which server of the pair takes writes");
  role->require_subcommand(1);

  CLI::App* serve = role->add_subcommand("serve", "Answer HAProxy agent-check (and GET /role) for one server");
  auto serve_target = std::make_shared<ConnectionOption>(*serve, "target", true);
  auto serve_peer = std::make_shared<ConnectionOption>(*serve, "peer", false);
  auto serve_flags = std::make_shared<RoleFlags>();
  add_common(*serve, *serve_flags);
  serve->add_option("--agent-listen", serve_flags->agent_listen, "HAProxy agent-check on ADDR:PORT")->required();
  serve->add_option("--health-listen", serve_flags->health_listen, "GET /role (option httpchk) on ADDR:PORT");
  serve->add_option("--passive-reply", serve_flags->passive_reply, "agent reply on a passive: maint or drain")
      ->capture_default_str();
  serve->add_option("--interval-ms", serve_flags->interval_ms, "how often the role row is re-read")
      ->capture_default_str()
      ->check(CLI::Range(50, 60000));
  serve
      ->add_option("--stale-after-ms", serve_flags->stale_after_ms,
                   "answer down once the role has not been confirmed for this long")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
  serve->callback([serve_target, serve_peer, serve_flags, exit_code] {
    const relay::RoleMonitorOptions options = monitor_options(*serve_target, *serve_peer, *serve_flags);
    const http::ListenAddress agent_address = http::parse_listen_address(serve_flags->agent_listen, "--agent-listen");
    std::optional<http::ListenAddress> health_address;
    if (!serve_flags->health_listen.empty()) {
      health_address = http::parse_listen_address(serve_flags->health_listen, "--health-listen");
    }
    // Block the signals before any thread starts, so only sigwait() sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    relay::RoleMonitor monitor(options);
    monitor.start();
    relay::AgentServer agent(agent_address, [&monitor] { return monitor.decide().agent_reply; });
    agent.start();
    log::info("role: agent-check on {}:{} for pair '{}' ({})", agent_address.host, agent.port(), options.pair,
              monitor.decide().reason);
    std::unique_ptr<http::Server> health;
    if (health_address) {
      http::Limits limits;
      limits.body_bytes = 0;
      limits.max_connections = 32;
      health = std::make_unique<http::Server>(
          *health_address,
          [&monitor](const http::Request& request) {
            if (request.path() != "/role") return http::Response{404, "text/plain", "not found: try /role\n", {}};
            if (request.method != "GET" && request.method != "HEAD") {
              return http::Response{405, "text/plain", "method not allowed: use GET\n", {}};
            }
            const relay::RoleDecision d = monitor.decide();
            return http::Response{d.http_status, "application/json", d.http_body, {}};
          },
          limits, "role endpoint");
      health->start();
      log::info("role: GET /role on http://{}:{}/role", health_address->host, health->port());
    }
    int signal = 0;
    sigwait(&signals, &signal);
    log::info("role: {} received, stopping", strsignal(signal));
    if (health) health->stop();
    agent.stop();
    monitor.stop();
    *exit_code = 0;
  });

  CLI::App* check = role->add_subcommand(
      "check", "Exit 0 active, 1 passive, 2 fenced/no role row, 3 cannot tell (keepalived vrrp_script)");
  auto check_target = std::make_shared<ConnectionOption>(*check, "target", true);
  auto check_peer = std::make_shared<ConnectionOption>(*check, "peer", false);
  auto check_flags = std::make_shared<RoleFlags>();
  add_common(*check, *check_flags);
  auto json = std::make_shared<bool>(false);
  check->add_flag("--json", *json, "print the /role JSON instead of one line");
  check->callback([check_target, check_peer, check_flags, json, exit_code] {
    relay::RoleMonitorOptions options = monitor_options(*check_target, *check_peer, *check_flags);
    const relay::RoleDecision d = relay::decide_role(relay::read_role_once(options), options.agent);
    if (*json) {
      std::fwrite(d.http_body.data(), 1, d.http_body.size(), stdout);
    } else {
      std::printf("%s: %s\n", d.role.c_str(), d.reason.c_str());
    }
    std::fflush(stdout);
    *exit_code = static_cast<int>(d.check_exit);
  });
}

}  // namespace galaxis::cli
