#include "consumer/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <tuple>

#include "config/site_config.h"
#include "consumer/consumer.h"
#include "core/cli.h"
#include "core/logging.h"
#include "http/server.h"
#include "process/notify.h"
#include "redis/master_watch.h"

namespace panoptes::consumer {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return core::Logger("consumer");
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// 503 once the database or Redis has failed for 30 s in a row, or the loop has not turned for 30 s.
std::optional<std::string> Health(const ConsumerHealth& h) {
  int64_t now = NowMs();
  auto since = [now](const std::atomic<int64_t>& t) { return t.load() == 0 ? 0 : (now - t.load()) / 1000; };
  if (int64_t s = since(h.db_failing_since_ms); s >= 30)
    return "database writes failing for " + std::to_string(s) + " s";
  if (int64_t s = since(h.redis_failing_since_ms); s >= 30)
    return "redis failing for " + std::to_string(s) + " s";
  if (int64_t s = since(h.loop_heartbeat_ms); s >= 30)
    return "consumer loop stalled for " + std::to_string(s) + " s";
  return std::nullopt;
}

// SIGHUP: the tunables apply at once; the rest is logged as needing a restart.
void Reload(const std::string& config_path, SiteConfig& running, Consumer& consumer) {
  auto loaded = config::LoadSiteConfig(config_path);
  if (!loaded.ok()) {
    Log()->error("SIGHUP: {}; keeping the running configuration", loaded.status().message());
    return;
  }
  for (const std::string& warning : loaded->warnings) core::Logger("config")->warn("{}", warning);
  const ConsumerConfig& next = loaded->config.consumer;
  ConsumerConfig& cur = running.consumer;
  std::tie(cur.batch_size, cur.flush_interval_ms, cur.retry_max_backoff_ms, cur.claim_idle_ms) =
      std::tie(next.batch_size, next.flush_interval_ms, next.retry_max_backoff_ms, next.claim_idle_ms);
  consumer.Reconfigure(cur);
  ConsumerConfig fixed = next;
  std::tie(fixed.batch_size, fixed.flush_interval_ms, fixed.retry_max_backoff_ms, fixed.claim_idle_ms) =
      std::tie(cur.batch_size, cur.flush_interval_ms, cur.retry_max_backoff_ms, cur.claim_idle_ms);
  if (!(fixed == cur) ||
      std::tie(loaded->config.redis.host, loaded->config.redis.port, loaded->config.redis.db,
               loaded->config.redis.key_prefix) !=
          std::tie(running.redis.host, running.redis.port, running.redis.db, running.redis.key_prefix) ||
      loaded->config.main.sites != running.main.sites) {
    Log()->warn(
        "SIGHUP: [consumer], [redis] or [main] sites changed in {}; those take effect at the next start",
        config_path);
  }
  Log()->info("SIGHUP: {} re-read (batch_size {}, flush_interval_ms {})", config_path, cur.batch_size,
              cur.flush_interval_ms);
}

// The loop: a turn, then the signals that arrived meanwhile. Returns on SIGTERM/SIGINT.
void Loop(const sigset_t& signals, Consumer& consumer, const std::string& config_path, SiteConfig& site,
          const process::Notifier& notifier) {
  int64_t next_watchdog = 0;
  while (true) {
    consumer.Turn();
    if (notifier.watchdog_period() && NowMs() >= next_watchdog) {
      (void)notifier.Watchdog();
      next_watchdog = NowMs() + notifier.watchdog_period()->count();
    }
    timespec zero{0, 0};
    int sig = sigtimedwait(&signals, nullptr, &zero);
    if (sig == SIGTERM || sig == SIGINT) {
      Log()->info("{} received: writing what is held and stopping", strsignal(sig));
      return;
    }
    if (sig == SIGHUP) Reload(config_path, site, consumer);
  }
}

}  // namespace

std::string ConsumerName(const ConsumerConfig& config) {
  if (!config.name.empty()) return config.name;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  return std::string(host) + ":" + std::to_string(getpid());
}

int RunConsumer(const SiteConfig& site_in, const std::string& config_path) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a database closing its socket mid-write is an error value, not a kill
  // Sentinel's failover announcements, followed by every Redis client of this process.
  static redis::MasterSignal master_signal;
  redis::SetMasterSignal(&master_signal);
  std::unique_ptr<redis::MasterWatch> master_watch = redis::MasterWatch::Start(site_in.redis, master_signal);

  SiteConfig site = site_in;
  http::Registry registry;
  Consumer consumer(site, ConsumerName(site.consumer), registry);
  std::unique_ptr<http::ThreadedServer> server;
  if (site.consumer.listen.port != 0) {
    http::Handlers handlers;
    handlers.metrics = [&registry] { return registry.Render(); };
    handlers.health = [&consumer] { return Health(consumer.health()); };
    auto started = http::StartThreadedServer(site.consumer.listen, std::move(handlers));
    if (!started.ok()) {
      Log()->error("cannot listen on [consumer] listen = {}: {}", site.consumer.listen.ToString(),
                   started.status().ToString());
      return core::kExitRuntime;
    }
    server = std::move(*started);
  }
  process::Notifier notifier;
  (void)notifier.Ready();
  Loop(signals, consumer, config_path, site, notifier);
  (void)notifier.Stopping();
  consumer.Drain(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  return core::kExitOk;
}

}  // namespace panoptes::consumer
