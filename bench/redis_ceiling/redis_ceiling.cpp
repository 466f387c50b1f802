// bench_redis_ceiling: what the agent's Redis protocol allows on this machine, without Python or
// plugin work. bench/lib/ceiling.sh runs, per repetition:
//   fill     --port P --prefix X --tasks N [--site S]   queue N real task messages; prints the
//                                                       monotonic start time (ns) for the workers
//   work     --port P --prefix X --worker I --start-at NS [--site S]
//            waits until NS, then per task exactly the agent's round trips: BLMOVE into an
//            in-flight list, the guard script (lock + frequency, Redis TIME), the finish script
//            (XADD metrics group, P:meta, unlock, ack); stops when the queue stays empty for
//            100 ms and prints "tasks=K last_ns=T round_trips=R"
//   counters --port P                                   prints "writes=W commands=C cpu_s=S"
// The scripts mirror the agent's (docs/agent.md): same keys, same commands, same payload sizes.

#include <time.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/identity.h"
#include "model/json.h"
#include "redis/keys.h"
#include "support/bench_support.h"

namespace panoptes::bench {
namespace {

// KEYS: lock, meta. ARGV: token, execute_frequency_s, skew_s, lock_ttl_ms.
const redis::Script kGuard(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
if redis.call('EXISTS', KEYS[1]) == 1 then return 'locked' end
local last = tonumber(redis.call('HGET', KEYS[2], 'last_executed') or '0')
if last + tonumber(ARGV[2]) > now + tonumber(ARGV[3]) then return 'too_soon' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('HSET', KEYS[2], 'last_executed', string.format('%.6f', now))
return 'run'
)lua");

// KEYS: metrics stream, meta, lock, in-flight list. ARGV: token, maxlen, status, duration_ms,
// raw task, metrics group JSON.
const redis::Script kFinish(R"lua(
local t = redis.call('TIME')
local now = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1e6)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'data', ARGV[6])
redis.call('HSET', KEYS[2], 'last_results', now, 'last_status', ARGV[3],
           'last_duration_ms', ARGV[4], 'last_error', '')
redis.call('PEXPIRE', KEYS[2], 604800000)
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('LREM', KEYS[4], 1, ARGV[5])
return 1
)lua");

constexpr char kPlugin[] = "bench_polling";

// One group of three metrics, as the trivial plugin of the agent benchmark returns.
std::string GroupJson(const Resource& resource) {
  MetricsGroup g;
  g.group_type = "bench";
  g.interval = 60;
  g.creation_timestamp = WallSeconds();
  g.resource = resource;
  for (const char* name : {"m1", "m2", "m3"}) {
    g.metrics.push_back(Metric{name, int64_t{42}, MetricType::kGauge, g.creation_timestamp});
  }
  g.dimensions.push_back(Dimension{"host", "bench"});
  return model::SerializeMetricsGroup(g);
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

// The guard and finish round trips of one task; false when the task did not run.
bool RunOne(redis::Client& client, const std::string& prefix, const std::string& inflight,
            const std::string& raw, const std::string& token) {
  auto task = model::ParseTask(raw);
  CheckOk(task.status(), "parse task");
  std::string name = config::NormalizedName(task->plugin);
  std::string lock = redis::keys::Lock(prefix, PluginKind::kPolling, name, task->signature);
  std::string meta = redis::keys::Meta(prefix, PluginKind::kPolling, name, task->signature);
  auto guard = client.Eval(kGuard, {lock, meta}, {token, "60", "1", "15000"});
  CheckOk(guard.status(), "guard script");
  if (guard->str != "run") return false;
  std::string group = GroupJson(*task->resource);
  std::string stream = redis::keys::Metrics(prefix, task->resource->site);
  auto done = client.Eval(kFinish, {stream, meta, lock, inflight}, {token, "100000", "ok", "0", raw, group});
  CheckOk(done.status(), "finish script");
  return true;
}

int Work(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  std::string worker = opt.Str("worker");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix),
                       "bench-ceiling-" + worker);
  CheckOk(client.Connect(), "connect");
  // Load both scripts before the clock starts, as a long-running agent has them cached.
  CheckOk(client.Command({"SCRIPT", "LOAD", kGuard.source()}).status(), "SCRIPT LOAD");
  CheckOk(client.Command({"SCRIPT", "LOAD", kFinish.source()}).status(), "SCRIPT LOAD");
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  std::string inflight = redis::keys::Join(prefix, {"bench", "inflight", worker});
  SleepUntil(opt.Int("start-at", 0));
  uint64_t rt0 = client.round_trips();
  int64_t tasks = 0, last_ns = MonotonicNs();
  std::string token = "bench-" + worker + "-";
  while (true) {
    auto reply =
        client.Blocking({"BLMOVE", queue, inflight, "RIGHT", "LEFT", "0.1"}, std::chrono::milliseconds(100));
    CheckOk(reply.status(), "BLMOVE");
    if (reply->IsNil()) break;
    if (RunOne(client, prefix, inflight, reply->str, token + std::to_string(tasks))) ++tasks;
    last_ns = MonotonicNs();
  }
  // The final, empty BLMOVE is not part of the work.
  std::printf("tasks=%lld last_ns=%lld round_trips=%llu\n", static_cast<long long>(tasks),
              static_cast<long long>(last_ns),
              static_cast<unsigned long long>(client.round_trips() - rt0 - 1));
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
