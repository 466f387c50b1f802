// bench_redis_ceiling: what the agent's Redis protocol allows on this machine, without Python.
// bench/lib/ceiling.sh runs, per repetition:
//   fill     --port P --prefix X --tasks N [--site S]   queue N real task messages; prints the
//                                                       monotonic start time (ns) for the workers
//   work     --port P --prefix X --worker I --start-at NS [--health 0]
//            waits until NS, then does per task what a busy agent worker does except calling the
//            plugin, with the agent's own code (src/agent/redis_task_queue.h, outputs.h): one Step round
//            trip that finishes the previous task (XADD, P:meta, unlock, ack), guards this one
//            (expiry, lock, frequency guard on Redis TIME) and takes the next into the in-flight
//            list; parse and signature check of the taken task; serialization of a three-metric
//            group; with the pair's quarantine and freshness bookkeeping unless --health 0 (to
//            measure what it costs). Stops when the queue is empty and prints
//            "tasks=K last_ns=T round_trips=R".
//   counters --port P                                   prints "writes=W commands=C cpu_s=S"

#include <time.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "agent/outputs.h"
#include "agent/redis_task_queue.h"
#include "agent/task_parts.h"
#include "config/identity.h"
#include "model/identity.h"
#include "model/json.h"
#include "redis/keys.h"
#include "support/bench_support.h"

namespace panoptes::bench {
namespace {

constexpr char kPlugin[] = "bench_polling";

// The bench plugin as the agent knows it from its plugin file (bench/plugins/polling).
PluginInfo BenchPluginInfo() {
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = kPlugin;
  info.normalized_name = config::NormalizedName(kPlugin);
  info.execute_frequency = 60;
  info.time_limit = 10;
  info.expires = 120;
  return info;
}

// One group of three metrics, as the bench plugin returns.
python::PluginResult BenchResult(const Resource& resource) {
  MetricsGroup g;
  g.group_type = "bench";
  g.interval = 60;
  g.creation_timestamp = WallSeconds();
  g.resource = resource;
  for (const char* name : {"started_at", "cpu_busy", "load"}) {
    g.metrics.push_back(Metric{name, 0.5, MetricType::kGauge, g.creation_timestamp});
  }
  g.dimensions.push_back(Dimension{"host", "bench"});
  return PollingResult{{std::move(g)}};
}

int Fill(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-fill");
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  CheckOk(client.Command({"DEL", queue}).status(), "DEL " + queue);
  int64_t n = opt.Int("tasks", 10000);
  std::string tag = "c" + std::to_string(MonotonicNs() % 1000000007);
  double now = WallSeconds();
  std::vector<redis::Args> batch;
  for (int64_t i = 0; i < n; ++i) {
    Resource r = BenchResource(opt.Str("site", "local"), tag, static_cast<int>(i));
    batch.push_back({"LPUSH", queue, model::SerializeTask(BenchTask(kPlugin, r, now, 10))});
    if (batch.size() == 500 || i + 1 == n) {
      CheckOk(client.Pipeline(batch).status(), "LPUSH " + queue);
      batch.clear();
    }
  }
  std::printf("%lld\n", static_cast<long long>(MonotonicNs() + 300'000'000));
  return 0;
}

void SleepUntil(int64_t monotonic_ns) {
  timespec ts{static_cast<time_t>(monotonic_ns / 1'000'000'000),
              static_cast<long>(monotonic_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

struct WorkerState {
  redis::Client& client;
  std::string prefix;
  std::string worker_id;
  PluginInfo info;
  bool health = true;
  int64_t serial = 0;
};

// Validation of a taken task and its guard part, as agent/worker.cpp does them.
agent::GuardPart Prepare(WorkerState& w, const std::string& raw) {
  auto task = model::ParseTask(raw);
  CheckOk(task.status(), "parse task");
  if (model::Signature(w.info.normalized_name, &*task->resource) != task->signature) {
    CheckOk(Status::Internal("signature mismatch"), "task " + task->id);
  }
  agent::GuardPart g =
      agent::MakeGuardPart(w.prefix, w.info, *task, raw, w.worker_id + "-" + std::to_string(++w.serial), 1,
                           agent::LockTtlMs(*task, w.info));
  if (w.health) g.health = agent::MakeHealthPart(w.prefix, w.info, *task, 3, 3600, 3);  // [agent] defaults
  return g;
}

// The finish part of a run that returned the bench plugin's metrics for `raw`'s resource.
agent::FinishPart Finish(WorkerState& w, const agent::GuardPart& g) {
  auto task = model::ParseTask(g.raw);
  agent::FinishPart f;
  f.lock = g.lock;
  f.meta = g.meta;
  f.token = g.token;
  f.health = g.health;
  f.status = "ok";
  f.outputs = agent::BuildOutputs(w.prefix, w.info, BenchResult(*task->resource), "local");
  f.stored = true;
  return f;
}

int Work(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  std::string worker_id = "bench-ceiling-" + opt.Str("worker");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), worker_id);
  WorkerState w{client, prefix, worker_id, BenchPluginInfo(), opt.Int("health", 1) != 0};
  CheckOk(w.client.Connect(), "connect");
  // Load the script before the clock starts, as a long-running agent has it cached.
  CheckOk(w.client.Command({"SCRIPT", "LOAD", agent::StepScript().source()}).status(), "SCRIPT LOAD");
  agent::RedisTaskQueue queue(w.client, prefix, PluginKind::kPolling);
  SleepUntil(opt.Int("start-at", 0));
  uint64_t rt0 = w.client.round_trips();
  int64_t tasks = 0, last_ns = MonotonicNs();
  std::optional<agent::FinishPart> finish;
  std::optional<agent::GuardPart> next;
  while (true) {
    // One round trip per task, as a busy worker: finish the last, guard the next, take one more.
    agent::StepRequest req;
    req.finish = std::move(finish);
    req.guard = std::move(next);
    req.next = agent::StepNext::kTake;
    finish.reset();
    next.reset();
    auto reply = queue.Step(w.worker_id, req);
    CheckOk(reply.status(), "step script");
    if (req.guard && reply->verdict == agent::Verdict::kRun) {
      ++tasks;
      finish = Finish(w, *req.guard);  // the plugin call would be here
    }
    if (reply->taken) next = Prepare(w, *reply->taken);
    last_ns = MonotonicNs();
    if (!finish && !next) break;
  }
  // The first step (a take with nothing to finish or guard) is not counted.
  std::printf("tasks=%lld last_ns=%lld round_trips=%llu\n", static_cast<long long>(tasks),
              static_cast<long long>(last_ns),
              static_cast<unsigned long long>(w.client.round_trips() - rt0 - 1));
  return 0;
}

int Counters(const Options& opt) {
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), "bench"), "bench-counters");
  auto c = ReadServerCounters(client);
  CheckOk(c.status(), "INFO");
  std::printf("writes=%llu commands=%llu cpu_s=%.6f\n", static_cast<unsigned long long>(c->writes),
              static_cast<unsigned long long>(c->commands), c->cpu_s);
  return 0;
}

}  // namespace
}  // namespace panoptes::bench

int main(int argc, char** argv) {
  using namespace panoptes::bench;
  std::string cmd = argc > 1 ? argv[1] : "";
  Options opt(argc, argv, 2);
  if (cmd == "fill") return Fill(opt);
  if (cmd == "work") return Work(opt);
  if (cmd == "counters") return Counters(opt);
  std::fprintf(stderr, "usage: bench_redis_ceiling fill|work|counters --port P ... (see the source)\n");
  return 2;
}
