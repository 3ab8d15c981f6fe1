#include "galaxis/deploy/serve.h"

#include <signal.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <optional>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/deploy/queue.h"
#include "galaxis/deploy/webhook.h"
#include "galaxis/http/server.h"

namespace galaxis::deploy {

namespace {

struct Counters {
  std::atomic<uint64_t> deployed{0}, unchanged{0}, failed{0};
  std::atomic<double> last_run_seconds{0};
};

// The deploy worker (fetch, checkout, hooks) runs at nice +10: the webhook
// must answer in ms while runs go on back to back (queue.h).
constexpr int kWorkerNice = 10;

std::string join_triggers(const std::vector<Trigger>& triggers) {
  std::string out;
  for (const Trigger& t : triggers) {
    if (!out.empty()) out += ",";
    out += !t.delivery.empty() ? t.delivery : t.sha.empty() ? t.provider : t.provider + ":" + t.sha.substr(0, 12);
  }
  return out.empty() ? "serve" : out;
}

}  // namespace

int serve(const ServeOptions& options) {
  validate(options.deploy);
  if (options.deploy.repo.empty()) throw_error(Error::Kind::kUsage, "--repo is required");
  if (options.secret.empty())
    throw_error(Error::Kind::kUsage,
                "deploy serve needs --secret-file (or GALAXIS_DEPLOY_SECRET): unsigned webhooks are refused");
  if (options.tls_cert.empty() != options.tls_key.empty())
    throw_error(Error::Kind::kUsage, "--tls-cert and --tls-key go together (HTTPS needs both)");
  std::optional<http::TlsFiles> tls;
  if (!options.tls_cert.empty()) tls = http::TlsFiles{options.tls_cert, options.tls_key};
  const std::filesystem::path state = options.deploy.root / ".deploy";
  std::error_code ec;
  std::filesystem::create_directories(state, ec);
  if (ec) throw_error(Error::Kind::kIo, "creating {}: {}", state.string(), ec.message());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  Counters counters;
  DeliveryLog deliveries((state / "deliveries").string());
  DeployQueue queue(
      [&](const std::vector<Trigger>& triggers) {
        try {
          deliveries.sync();  // the IDs the webhook remembered (webhook.h); a failure must not stop the run
        } catch (const Error& e) {
          log::warn("deploy: {}", e.what());
        }
        DeployOptions run = options.deploy;
        run.trigger = join_triggers(triggers);
        const DeployResult result = deploy(run);
        counters.last_run_seconds = result.record.value("total_ms", 0.0) / 1000.0;
        switch (result.outcome) {
          case DeployResult::Outcome::kDeployed:
            ++counters.deployed;
            log::info("deploy: {}", result.message);
            break;
          case DeployResult::Outcome::kUnchanged:
            ++counters.unchanged;
            log::info("deploy: nothing to do: {}", result.message);
            break;
          case DeployResult::Outcome::kFailed:
            ++counters.failed;
            log::error("deploy: failed: {}", result.message);
            break;
        }
      },
      kWorkerNice);
  Webhook webhook(WebhookOptions{options.secret, options.deploy.branch}, &deliveries,
                  [&](const Trigger& t) { queue.push(t); });

  http::Limits limits;
  limits.body_bytes = options.max_body_bytes;
  limits.read_timeout = options.read_timeout;
  limits.max_connections = options.max_connections;
  limits.header_bytes = 16 * 1024;
  http::Server server(
      http::parse_listen_address(options.listen, "--listen"),
      [&](const http::Request& request) -> http::Response {
        const std::string_view path = request.path();
        if (request.method == "GET" && path == "/health") {
          const DeployQueue::State q = queue.state();
          nlohmann::json j = status(options.deploy);
          j.erase("history");
          j["pending"] = q.pending;
          j["running"] = q.running || j.value("running", false);
          const bool healthy = !j["current"].is_null();
          return http::Response{healthy ? 200u : 503u, "application/json", j.dump() + "\n", {}};
        }
        if (request.method == "GET" && path == "/metrics") {
          const DeployQueue::State q = queue.state();
          std::string m;
          m += fmt::format("galaxis_deploy_webhooks_accepted_total {}\n", q.received);
          m += fmt::format("galaxis_deploy_runs_total {}\n", q.runs);
          m += fmt::format("galaxis_deploy_running {}\n", q.running ? 1 : 0);
          m += fmt::format("galaxis_deploy_pending {}\n", q.pending);
          m += fmt::format("galaxis_deploy_deployed_total {}\n", counters.deployed.load());
          m += fmt::format("galaxis_deploy_unchanged_total {}\n", counters.unchanged.load());
          m += fmt::format("galaxis_deploy_failed_total {}\n", counters.failed.load());
          m += fmt::format("galaxis_deploy_last_run_seconds {}\n", counters.last_run_seconds.load());
          return http::Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(m), {}};
        }
        return webhook.handle(request);
      },
      limits, "deploy webhook", tls);
  server.start();
  const std::string bound = fmt::format("{}:{}", http::parse_listen_address(options.listen).host, server.port());
  {
    // For scripts and tests that listen on port 0.
    std::ofstream(state / "listen.tmp", std::ios::trunc) << bound << "\n";
    std::filesystem::rename(state / "listen.tmp", state / "listen");  // readers never see it half-written
  }
  log::info("deploy: listening on {} ({}) for {} pushes to {}", bound, tls ? "https" : "http", options.deploy.branch,
            options.deploy.repo);
  // A push missed while this was down (forges do not redeliver by themselves).
  queue.push(Trigger{"", "startup", ""});

  for (;;) {
    const int signal = sigwaitinfo(&signals, nullptr);
    if (signal == SIGTERM || signal == SIGINT) {
      log::info("deploy: {} received; finishing the running deploy and stopping", strsignal(signal));
      break;
    }
  }
  server.stop();
  return 0;
}

}  // namespace galaxis::deploy
