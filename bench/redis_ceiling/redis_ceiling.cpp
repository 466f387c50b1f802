// bench_redis_ceiling: what the agent's Redis protocol allows on this machine, without Python.
// bench/lib/ceiling.sh runs, per repetition:
//   fill     --port P --prefix X --tasks N [--site S]   queue N real task messages; prints the
//                                                       monotonic start time (ns) for the workers
//   work     --port P --prefix X --worker I --start-at NS
//            waits until NS, then does per task what an agent worker does except calling the
//            plugin, with the agent's own code (src/agent/scripts.h, outputs.h): BLMOVE into the
//            worker's in-flight list, parse and signature check, RunGuard (expiry, lock, frequency
//            guard on Redis TIME), serialization of a three-metric group, RunFinish (XADD, P:meta,
//            unlock, ack). Stops when the queue stays empty for 100 ms and prints
//            "tasks=K last_ns=T round_trips=R".
//   counters --port P                                   prints "writes=W commands=C cpu_s=S"

#include <time.h>

#include <cstdio>
#include <string>
#include <vector>

#include "agent/outputs.h"
#include "agent/scripts.h"
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
  int64_t serial = 0;
};

// The guard and finish round trips of one task, as agent/worker.cpp does them; false when the
// guard did not say "run".
bool RunOne(WorkerState& w, const std::string& raw) {
  auto task = model::ParseTask(raw);
  CheckOk(task.status(), "parse task");
  if (model::Signature(w.info.normalized_name, &*task->resource) != task->signature) {
    CheckOk(Status::Internal("signature mismatch"), "task " + task->id);
  }
  agent::RunKeys keys{
      redis::keys::Lock(w.prefix, PluginKind::kPolling, w.info.normalized_name, task->signature),
      redis::keys::Meta(w.prefix, PluginKind::kPolling, w.info.normalized_name, task->signature),
      redis::keys::AgentRunning(w.prefix, w.worker_id), redis::keys::AgentInflight(w.prefix, w.worker_id)};
  agent::GuardRequest guard;
  guard.token = w.worker_id + "-" + std::to_string(++w.serial);
  guard.lock_ttl_ms = static_cast<int64_t>((task->time_limit + 30) * 1000);
  guard.execute_frequency = w.info.execute_frequency;
  guard.skew = 1;
  guard.expires_at = task->expires_at;
  guard.task_id = task->id;
  auto decision = agent::RunGuard(w.client, keys, guard);
  CheckOk(decision.status(), "guard script");
  if (decision->verdict != "run") return false;
  agent::FinishRequest finish;
  finish.token = guard.token;
  finish.status = "ok";
  finish.outputs = agent::BuildOutputs(w.prefix, w.info, BenchResult(*task->resource), "local");
  finish.stored = true;
  CheckOk(agent::RunFinish(w.client, keys, finish), "finish script");
  return true;
}

int Work(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  std::string worker_id = "bench-ceiling-" + opt.Str("worker");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), worker_id);
  WorkerState w{client, prefix, worker_id, BenchPluginInfo()};
  CheckOk(w.client.Connect(), "connect");
  // Load both scripts before the clock starts, as a long-running agent has them cached.
  CheckOk(w.client.Command({"SCRIPT", "LOAD", agent::GuardScript().source()}).status(), "SCRIPT LOAD");
  CheckOk(w.client.Command({"SCRIPT", "LOAD", agent::FinishScript().source()}).status(), "SCRIPT LOAD");
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  std::string inflight = redis::keys::AgentInflight(prefix, w.worker_id);
  SleepUntil(opt.Int("start-at", 0));
  uint64_t rt0 = w.client.round_trips();
  int64_t tasks = 0, last_ns = MonotonicNs();
  while (true) {
    auto reply = w.client.Blocking({"BLMOVE", queue, inflight, "RIGHT", "LEFT", "0.1"},
                                   std::chrono::milliseconds(100));
    CheckOk(reply.status(), "BLMOVE");
    if (reply->IsNil()) break;
    if (RunOne(w, reply->str)) ++tasks;
    last_ns = MonotonicNs();
  }
  // The final, empty BLMOVE is not part of the work.
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
