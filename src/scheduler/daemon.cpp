#include "scheduler/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <tuple>

#include "config/site_config.h"
#include "core/cli.h"
#include "core/logging.h"
#include "http/server.h"
#include "process/notify.h"
#include "python/host.h"
#include "redis/master_watch.h"
#include "scheduler/kind_scheduler.h"

namespace panoptes::scheduler {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return core::Logger("scheduler");
}

// SIGHUP: re-reads the site config; the plugin settings apply at once, the rest at the next start.
void Reload(const std::string& config_path, const SiteConfig& running,
            std::vector<std::unique_ptr<KindScheduler>>& kinds) {
  auto loaded = config::LoadSiteConfig(config_path);
  if (!loaded.ok()) {
    Log()->error("SIGHUP: {}; keeping the running configuration", loaded.status().message());
    for (auto& k : kinds) k->RequestRescan();
    return;
  }
  for (const std::string& warning : loaded->warnings) core::Logger("config")->warn("{}", warning);
  const SiteConfig& next = loaded->config;
  auto differs = [](const auto& a, const auto& b) { return !(a == b); };
  std::vector<std::string> restart;
  if (differs(std::tie(next.redis.host, next.redis.port, next.redis.db, next.redis.key_prefix,
                       next.redis.sentinels, next.redis.password),
              std::tie(running.redis.host, running.redis.port, running.redis.db, running.redis.key_prefix,
                       running.redis.sentinels, running.redis.password))) {
    restart.push_back("[redis]");
  }
  if (differs(std::tie(next.scheduler.leader_ttl_ms, next.scheduler.dispatch_batch,
                       next.scheduler.import_timeout_s),
              std::tie(running.scheduler.leader_ttl_ms, running.scheduler.dispatch_batch,
                       running.scheduler.import_timeout_s))) {
    restart.push_back("[scheduler]");
  }
  if (differs(next.http.scheduler_listen, running.http.scheduler_listen)) restart.push_back("[http]");
  if (differs(next.python.path, running.python.path)) restart.push_back("[python]");
  for (const std::string& section : restart) {
    Log()->warn("SIGHUP: {} changed in {}; it takes effect at the next start", section, config_path);
  }
  Log()->info("SIGHUP: {} re-read; rescanning plugins", config_path);
  for (auto& k : kinds) k->RequestReload(next);
}

// Waits for SIGTERM/SIGINT (returns kExitOk) or a kind's scheduler failing (kExitRuntime, the
// reason logged); SIGHUP rescans. Sends WATCHDOG=1 meanwhile.
int WaitForStop(const sigset_t& signals, std::vector<std::unique_ptr<KindScheduler>>& kinds,
                const process::Notifier& notifier, const std::string& config_path, const SiteConfig& site) {
  auto period = std::min(notifier.watchdog_period().value_or(std::chrono::milliseconds(1000)),
                         std::chrono::milliseconds(1000));
  while (true) {
    timespec wait{period.count() / 1000, (period.count() % 1000) * 1000000};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (notifier.watchdog_period()) (void)notifier.Watchdog();
    if (sig == SIGTERM || sig == SIGINT) {
      Log()->info("{} received: giving leadership up and stopping", strsignal(sig));
      return core::kExitOk;
    }
    if (sig == SIGHUP) {
      try {
        Reload(config_path, site, kinds);
      } catch (const std::exception& e) {
        Log()->error("SIGHUP: reload failed: {}; keeping the running configuration", e.what());
      }
    }
    for (auto& k : kinds) {
      if (auto failure = k->failure()) {
        Log()->critical("exiting (status {}): {}", core::kExitRuntime, *failure);
        return core::kExitRuntime;
      }
    }
  }
}

// Unhealthy when a kind's loop has not turned for 10 s (stuck in a call).
std::optional<std::string> Health(const Stats& stats, unsigned mask) {
  int64_t now = SteadyMs();
  for (PluginKind kind : kAllKinds) {
    if (!(mask & (1u << KindIndex(kind)))) continue;
    int64_t last = stats.Kind(kind).loop_heartbeat_ms.load();
    if (last != 0 && now - last > 10000) {
      return std::string(KindName(kind)) + " scheduler loop stalled for " +
             std::to_string((now - last) / 1000) + " s";
    }
  }
  return std::nullopt;
}

}  // namespace

ValidatorHooks PythonValidatorHooks(const std::vector<std::string>& python_path) {
  auto holder = std::make_shared<std::unique_ptr<python::Interpreter>>();
  ValidatorHooks hooks;
  hooks.init = [holder, python_path]() -> Status {
    auto interpreter = python::Interpreter::Start({python_path});
    if (!interpreter.ok()) return interpreter.status();
    *holder = std::move(*interpreter);
    return Status::Ok();
  };
  hooks.check = [holder](const PluginInfo& info) { return python::ValidatePluginCode(**holder, info); };
  return hooks;
}

namespace {

int RunDaemonUnguarded(const SiteConfig& site, const std::string& config_path,
                       const std::vector<PluginKind>& kinds) {
  ValidatorOptions validator_options;  // the helper is this binary in its hidden mode (main)
  validator_options.hook_args = site.python.path;
  validator_options.timeout = std::chrono::seconds(site.scheduler.import_timeout_s);
  auto validator = CodeValidator::Start(std::move(validator_options));
  if (!validator.ok()) {
    Log()->error("cannot start the code validator: {}", validator.status().ToString());
    return core::kExitRuntime;
  }
  // Every thread started from here inherits the mask: the signals are taken by sigtimedwait only.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Sentinel's failover announcements, followed by every Redis client of this process.
  static redis::MasterSignal master_signal;
  redis::SetMasterSignal(&master_signal);
  std::unique_ptr<redis::MasterWatch> master_watch = redis::MasterWatch::Start(site.redis, master_signal);

  Stats stats;
  unsigned mask = 0;
  std::string token = MakeLeaderToken();
  std::vector<std::unique_ptr<KindScheduler>> schedulers;
  for (PluginKind kind : kinds) {
    auto k = KindScheduler::Create(site, kind, RedisKindBackends(site, kind, token), **validator,
                                   stats.Kind(kind));
    if (!k.ok()) {
      Log()->error("cannot start the {} scheduler: {}", KindName(kind), k.status().ToString());
      return core::kExitRuntime;
    }
    schedulers.push_back(std::move(*k));
    mask |= 1u << KindIndex(kind);
  }
  std::unique_ptr<http::ThreadedServer> http;
  if (site.http.scheduler_listen.port != 0) {
    http::Handlers handlers;
    handlers.metrics = [&stats, mask] { return RenderPrometheus(stats, mask); };
    handlers.health = [&stats, mask] { return Health(stats, mask); };
    auto server = http::StartThreadedServer(site.http.scheduler_listen, std::move(handlers));
    if (!server.ok()) {
      Log()->error("cannot listen on [http] scheduler_listen = {}: {}", site.http.scheduler_listen.ToString(),
                   server.status().ToString());
      return core::kExitRuntime;
    }
    http = std::move(*server);
  }
  std::vector<std::thread> threads;
  for (auto& k : schedulers) threads.emplace_back([&k] { k->Run(); });
  process::Notifier notifier;
  (void)notifier.Ready();
  int code = WaitForStop(signals, schedulers, notifier, config_path, site);
  (void)notifier.Stopping();
  for (auto& k : schedulers) k->RequestStop();
  for (auto& t : threads) t.join();
  return code;
}

}  // namespace

// The main thread's boundary: before the kind threads start (and after they are joined) an
// exception ends the daemon with a clear status; while they run, the main thread only waits for
// signals and reloads (which catches for itself).
int RunDaemon(const SiteConfig& site, const std::string& config_path, const std::vector<PluginKind>& kinds) {
  try {
    return RunDaemonUnguarded(site, config_path, kinds);
  } catch (const std::exception& e) {
    Log()->critical("exiting (status {}): {}", core::kExitRuntime, e.what());
    return core::kExitRuntime;
  }
}

}  // namespace panoptes::scheduler
