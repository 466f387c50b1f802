#include "agent/worker.h"

#include <signal.h>

#include <atomic>
#include <memory>

#include "agent/plugin_catalog.h"
#include "agent/redis_task_queue.h"
#include "agent/task_parts.h"
#include "agent/worker_core.h"
#include "agent/worker_limits.h"
#include "core/logging.h"
#include "plugin/redis_services.h"
#include "process/kill_timer.h"
#include "redis/client.h"
#include "resources/store.h"

namespace panoptes::agent {
namespace {

// Signal handler state: the only globals, as a handler can reach nothing else.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_in_run{false};

// SIGTERM while a plugin runs is the supervisor's time-limit kill: end at once (the supervisor
// records the run `timeout`). Otherwise it asks for a stop.
void OnTerm(int) {
  if (g_in_run.load()) _exit(kWorkerExitKilledInRun);
  g_stop.store(true);
}

// The supervisor died (PR_SET_PDEATHSIG): finish the current task, then exit.
void OnParentDeath(int) {
  g_stop.store(true);
}

void InstallSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = OnParentDeath;
  sigaction(SIGUSR2, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// The production runner: embedded Python with the Redis-backed kv and secrets, discovery results
// into the resource store.
class PythonRunner : public PluginRunner {
 public:
  PythonRunner(python::PluginHost& host, redis::Client& client, const SiteConfig& site)
      : host_(host),
        agent_(site.agent),
        sites_(site.main.sites),
        kv_(client, site.redis.key_prefix),
        secrets_(client, site.redis.key_prefix),
        store_(client, site.redis.key_prefix) {}

  python::RunOutcome Run(const PluginInfo& info, const Task& task, EnrichmentSource& enrichment) override {
    python::RunInput input{task.resource,  sites_,  {&kv_, &secrets_, &enrichment},
                           task.signature, task.id, TimeLimit(task, info)};
    // The run's rlimits; a failure to set them is the run's error (the plugin does not run unbounded).
    // Nothing to set when they are the worker's own without a CPU limit: the previous run's end (or
    // the worker's start) set exactly those.
    process::Limits limits = RunLimitsOf(agent_, info.limits);
    process::Limits own = WorkerLimits(agent_);
    bool as_own = limits.cpu_s == 0 && limits.address_space_mb == own.address_space_mb &&
                  limits.open_files == own.open_files;
    if (Status st = as_own ? Status::Ok() : process::BeginRunLimits(limits); !st.ok()) {
      python::RunOutcome failed;
      failed.error = "cannot set the run's rlimits: " + st.ToString();
      return failed;
    }
    g_in_run.store(true);
    python::RunOutcome outcome = host_.Run(info, input);
    g_in_run.store(false);
    (void)process::EndRunLimits(WorkerLimits(agent_));
    if (outcome.status == python::RunStatus::kError)
      outcome.error = ExplainRunError(outcome.error, limits, info.file);
    return outcome;
  }
  Status Load(const PluginInfo& info) override {
    g_in_run.store(true);
    Status st = host_.Load(info);
    g_in_run.store(false);
    return st;
  }
  Status StoreDiscovered(const PluginInfo& info, const DiscoveryResult& found) override {
    return store_.PutDiscovered(info.normalized_name, found.resources, info.resource_ttl);
  }

 private:
  python::PluginHost& host_;
  AgentConfig agent_;
  std::vector<std::string> sites_;
  plugin::RedisKvStore kv_;
  plugin::RedisSecretStore secrets_;
  resources::ResourceStore store_;
};

// The run deadline of a worker process: process::KillTimer (SIGKILL on CLOCK_BOOTTIME).
class KillDeadline : public RunDeadline {
 public:
  explicit KillDeadline(std::unique_ptr<process::KillTimer> timer) : timer_(std::move(timer)) {}
  int64_t NowMs() override { return process::KillTimer::NowMs(); }
  void Arm(int64_t at_ms) override { Check(timer_->ArmAt(at_ms)); }
  void Disarm() override { Check(timer_->Disarm()); }

 private:
  // Never seen in practice (timer_settime on a valid timer); the supervisor's time-limit kill
  // remains.
  static void Check(const Status& st) {
    if (!st.ok()) core::Logger("agent")->error("worker: run deadline: {}", st.ToString());
  }
  std::unique_ptr<process::KillTimer> timer_;
};

WorkerConfig ConfigOf(const WorkerOptions& o) {
  WorkerConfig c;
  c.prefix = o.site.redis.key_prefix;
  c.kind = o.kind;
  c.worker_id = o.worker_id;
  c.max_tasks = o.site.agent.max_tasks_per_worker;
  c.metrics_maxlen = o.site.agent.metrics_maxlen;
  c.skew = o.site.main.plugins_skew;
  c.sites = o.site.main.sites;
  c.block_ms = o.block_ms;
  c.quarantine_after = o.site.agent.quarantine_after;
  c.quarantine_backoff_max_s = o.site.agent.quarantine_backoff_max_s;
  c.stale_after_cycles = o.site.agent.stale_after_cycles;
  return c;
}

int ExitCode(WorkerExit e) {
  switch (e) {
    case WorkerExit::kStopped:
    case WorkerExit::kRecycled: return kWorkerExitOk;
    case WorkerExit::kQueueLost: break;
  }
  return kWorkerExitRedisLost;
}

}  // namespace

int RunWorker(const WorkerOptions& options, python::PluginHost& host, FilePluginCatalog& plugins) {
  InstallSignals();
  if (Status st =
          process::ApplyWorkerLimits(WorkerLimits(options.site.agent), options.site.agent.worker_core_files);
      !st.ok()) {
    core::Logger("agent")->error("worker {}: cannot set its rlimits: {}", options.worker_id, st.ToString());
    return kWorkerExitStartFailed;
  }
  auto timer = process::KillTimer::Create();
  if (!timer.ok()) {
    core::Logger("agent")->error("worker {}: cannot start: {}", options.worker_id, timer.status().ToString());
    return kWorkerExitStartFailed;
  }
  KillDeadline deadline(std::move(timer).value());
  redis::Client client(options.site.redis, "agent-worker");
  RedisTaskQueue queue(client, options.site.redis.key_prefix, options.kind);
  PythonRunner runner(host, client, options.site);
  plugins.set_worker_id(options.worker_id);
  BoardSlot own_board;  // when run without a supervisor
  Worker worker(ConfigOf(options),
                {queue, plugins, runner, options.board != nullptr ? *options.board : own_board,
                 [] { return g_stop.load(); }, nullptr, nullptr, RedisStateReader(client), &deadline});
  return ExitCode(worker.Run());
}

}  // namespace panoptes::agent
