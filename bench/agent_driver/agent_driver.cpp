// bench_agent_driver: queues work for a running panoptes-agent and times it (bench/lib/agent.sh).
//   run --port P --prefix X --plugin NAME --count N --tag T [--site S] [--timeout-s 120]
//       [--poll-ms 5] [--groups-per-task 1] [--time-limit-s 10] [--outcomes 0]
//     Deletes P:metrics:<site>, reads the server counters, queues N polling tasks for N distinct
//     resources "<T>-<i>" (proper signatures, so no guard skips them) in pipelined batches, and
//     polls XLEN P:metrics:<site> until N x G metrics groups arrived (G per executed task: 1 for
//     the bench plugins, one per interface for SNMP interface polling). Prints
//     "name=value" lines: elapsed_s, tasks_per_s, round_trips_per_task (server reply writes minus
//     this driver's own), commands_per_task (includes commands run by scripts), redis_cpu_ms_per_task
//     (redis_sys_cpu_ms_per_task its kernel part), and per command its calls per task (cmd_<name>=...)
//     and Redis' mean time per call (usec_<name>=..., commandstats; a script's covers its commands). Exit 1
//     with a diagnosis on timeout. With --outcomes 1 a run may fail: the driver waits instead until every
//     task's run has finished (its pair's meta has a last_status), checks that the ok runs brought their N x
//     G groups, and adds runs_ok, runs_failed, runs_timed_out (status "timeout", or an error saying "timed
//     out": an SNMP request or the time limit) and up to 3 lines failure=<status>: <error> (the error's last
//     line). With one group per task carrying the plugin's `started_at` (the bench plugins), once the run is
//     over (its counters read) the groups are read back: steady_tasks_per_s and window_s, the rate
//     inside the window from the 10 %-rank start to the 90 %-rank end (SteadyRate in
//     bench_support.h: from the tasks' own times, no ramp-up, no tail); with `ended_at` and a `worker`
//     dimension (bench_sleep) also where a worker's time goes between runs (GapsOf): workers_seen,
//     run_ms_mean, gap_ms_mean/p50/p99, finish_ms_mean, next_ms_mean.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "config/identity.h"
#include "model/json.h"
#include "redis/keys.h"
#include "support/bench_support.h"

namespace panoptes::bench {
namespace {

// Tasks per LPUSH pipeline: ~8 KB, so that Redis reads each batch in one read and answers it in
// one write, and our own round trips can be subtracted exactly from the server's reply writes.
constexpr size_t kBatch = 16;

struct Driver {
  redis::Client& client;
  uint64_t commands_sent = 0;  // our own commands (pipelined ones counted one by one)
  uint64_t own_hmget = 0;      // of them, the HMGETs of --outcomes (the agent's scripts run HMGET too)

  Result<redis::Reply> Command(const redis::Args& argv) {
    ++commands_sent;
    return client.Command(argv);
  }
  Status Pipeline(const std::vector<redis::Args>& batch) {
    commands_sent += batch.size();
    return client.Pipeline(batch).status();
  }
};

int64_t IntReply(Driver& d, const redis::Args& argv) {
  auto reply = d.Command(argv);
  CheckOk(reply.status(), argv[0] + " " + argv[1]);
  return reply->integer;
}

void Enqueue(Driver& d, const Options& opt, const std::string& queue, int64_t count) {
  std::string plugin = opt.Str("plugin"), tag = opt.Str("tag"), site = opt.Str("site", "local");
  double time_limit = opt.Double("time-limit-s", 10);
  double now = WallSeconds();
  std::vector<redis::Args> batch;
  for (int64_t i = 0; i < count; ++i) {
    Resource r = BenchResource(site, tag, static_cast<int>(i));
    batch.push_back({"LPUSH", queue, model::SerializeTask(BenchTask(plugin, r, now, time_limit))});
    if (batch.size() == kBatch || i + 1 == count) {
      CheckOk(d.Pipeline(batch), "LPUSH " + queue);
      batch.clear();
    }
  }
}

// Polls XLEN of the metrics stream until it reaches `count`; false on timeout.
bool AwaitGroups(Driver& d, const std::string& stream, int64_t count, const Options& opt) {
  int64_t deadline = MonotonicNs() + opt.Int("timeout-s", 120) * 1'000'000'000;
  timespec pause{0, static_cast<long>(opt.Int("poll-ms", 5) * 1'000'000)};
  while (IntReply(d, {"XLEN", stream}) < count) {
    if (MonotonicNs() > deadline) return false;
    nanosleep(&pause, nullptr);
  }
  return true;
}

// The meta hash of each task Enqueue queues (its pair's: plugin and signature).
std::vector<std::string> MetaKeys(const Options& opt, const std::string& prefix, int64_t count) {
  std::string plugin = opt.Str("plugin"), tag = opt.Str("tag"), site = opt.Str("site", "local");
  std::vector<std::string> keys;
  for (int64_t i = 0; i < count; ++i) {
    Task t = BenchTask(plugin, BenchResource(site, tag, static_cast<int>(i)), 0, 0);
    keys.push_back(
        redis::keys::Meta(prefix, PluginKind::kPolling, config::NormalizedName(plugin), t.signature));
  }
  return keys;
}

struct Outcomes {
  int64_t ok = 0;
  int64_t timed_out = 0;
  std::vector<std::string> failures;  // "<status>: <last line of its error>" of each failed run
};

// Reads every task's outcome; true when every run has finished (a last_status, ok or not).
bool ReadOutcomes(Driver& d, const std::vector<redis::Args>& reads, Outcomes& out) {
  d.commands_sent += reads.size();
  d.own_hmget += reads.size();
  auto replies = d.client.Pipeline(reads);
  CheckOk(replies.status(), "HMGET the tasks' metas");
  out = Outcomes{};
  size_t done = 0;
  for (const redis::Reply& r : *replies) {
    if (r.elements.size() != 2 || r.elements[0].IsNil()) continue;
    ++done;
    const std::string &status = r.elements[0].str, &error = r.elements[1].str;
    if (status == "ok") {
      ++out.ok;
      continue;
    }
    out.timed_out += status == "timeout" || error.find("timed out") != std::string::npos;
    size_t end = error.find_last_not_of(" \n");  // a traceback's last line says what failed
    size_t begin = end == std::string::npos ? 0 : error.find_last_of('\n', end) + 1;
    out.failures.push_back(status + ": " +
                           error.substr(begin, end == std::string::npos ? 0 : end + 1 - begin));
  }
  return done == reads.size();
}

// Waits until every run has finished, ok or not; false on timeout. Polls XLEN as AwaitGroups does
// (one cheap command per poll, so that Redis' CPU per run stays the runs' own) and reads the
// metas only once all groups are in, or while the stream has not grown for a second (a run
// failed, or is waiting on its device).
bool AwaitOutcomes(Driver& d, const std::string& stream, int64_t groups,
                   const std::vector<std::string>& metas, const Options& opt, Outcomes& out) {
  int64_t deadline = MonotonicNs() + opt.Int("timeout-s", 120) * 1'000'000'000;
  timespec pause{0, static_cast<long>(opt.Int("poll-ms", 5) * 1'000'000)};
  std::vector<redis::Args> reads;
  for (const std::string& m : metas) reads.push_back({"HMGET", m, "last_status", "last_error"});
  int64_t seen = -1, grew_at = MonotonicNs();
  for (;;) {
    int64_t now = MonotonicNs(), n = IntReply(d, {"XLEN", stream});
    if (n != seen) {
      seen = n;
      grew_at = now;
    }
    if ((n >= groups || now - grew_at > 1'000'000'000) && ReadOutcomes(d, reads, out)) return true;
    if (now > deadline) return false;
    nanosleep(&pause, nullptr);
  }
}

void PrintOutcomes(const Outcomes& o) {
  std::printf("runs_ok=%lld\nruns_failed=%zu\nruns_timed_out=%lld\n", static_cast<long long>(o.ok),
              o.failures.size(), static_cast<long long>(o.timed_out));
  for (size_t i = 0; i < o.failures.size() && i < 3; ++i) {
    std::string line = o.failures[i];
    std::replace(line.begin(), line.end(), '\n', ' ');
    std::printf("failure=%s\n", line.c_str());
  }
}

// The steady rate and the workers' gaps, from the groups' own times (after the run).
void PrintWindow(redis::Client& client, const std::string& stream) {
  std::vector<TaskTimes> tasks = ReadTaskTimes(client, stream);
  auto window = SteadyRate(tasks);
  if (!window) return;
  std::printf("steady_tasks_per_s=%.1f\nwindow_s=%.3f\n", window->tasks_per_s, window->to - window->from);
  auto gaps = GapsOf(tasks, *window);
  if (!gaps) return;
  std::printf(
      "workers_seen=%zu\nrun_ms_mean=%.3f\ngap_ms_mean=%.3f\ngap_ms_p50=%.3f\ngap_ms_p99=%.3f\n"
      "finish_ms_mean=%.3f\nnext_ms_mean=%.3f\n",
      gaps->workers, gaps->run_ms_mean, gaps->gap_ms_mean, gaps->gap_ms_p50, gaps->gap_ms_p99,
      gaps->finish_ms_mean, gaps->next_ms_mean);
}

void PrintPerTask(const ServerCounters& c0, const ServerCounters& c1, const Driver& d, uint64_t rt0,
                  int64_t count) {
  double n = static_cast<double>(count);
  uint64_t own_writes = d.client.round_trips() - rt0;
  std::printf("round_trips_per_task=%.3f\n", static_cast<double>(c1.writes - c0.writes - own_writes) / n);
  std::printf("commands_per_task=%.3f\n",
              static_cast<double>(c1.commands - c0.commands - d.commands_sent) / n);
  std::printf("redis_cpu_ms_per_task=%.4f\n", (c1.cpu_s - c0.cpu_s) * 1000.0 / n);
  std::printf("redis_sys_cpu_ms_per_task=%.4f\n", (c1.cpu_sys_s - c0.cpu_sys_s) * 1000.0 / n);
  auto delta_of = [](const std::map<std::string, uint64_t>& before, const std::string& name, uint64_t now) {
    auto it = before.find(name);
    return now - (it == before.end() ? 0 : it->second);
  };
  for (const auto& [name, calls] : c1.calls) {
    uint64_t delta = delta_of(c0.calls, name, calls);
    auto u = c1.usec.find(name);
    uint64_t usec = u == c1.usec.end() ? 0 : delta_of(c0.usec, name, u->second);
    if (name == "info" || name == "xlen" || name == "lpush") continue;  // ours
    double per_call = delta == 0 ? 0.0 : static_cast<double>(usec) / static_cast<double>(delta);
    if (name == "hmget") delta -= std::min(delta, d.own_hmget);
    if (static_cast<double>(delta) / n >= 0.01)
      std::printf("cmd_%s=%.3f\nusec_%s=%.2f\n", name.c_str(), static_cast<double>(delta) / n, name.c_str(),
                  per_call);
  }
}

int Run(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-driver");
  Driver d{client};
  int64_t count = opt.Int("count", 10000);
  int64_t per_task = opt.Int("groups-per-task", 1);
  int64_t groups = count * per_task;
  bool outcomes = opt.Int("outcomes", 0) != 0;
  std::vector<std::string> metas;
  if (outcomes) {  // a fresh meta per pair: its last_status is this run's
    metas = MetaKeys(opt, prefix, count);
    std::vector<redis::Args> dels;
    for (const std::string& m : metas) dels.push_back({"DEL", m});
    CheckOk(d.Pipeline(dels), "DEL the tasks' metas");
  }
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  std::string stream = redis::keys::Metrics(prefix, opt.Str("site", "local"));
  CheckOk(d.Command({"DEL", stream}).status(), "DEL " + stream);
  auto c0 = ReadServerCounters(client);
  CheckOk(c0.status(), "INFO");
  uint64_t rt0 = client.round_trips();
  uint64_t cmd0 = d.commands_sent;
  int64_t t0 = MonotonicNs();
  Enqueue(d, opt, queue, count);
  int64_t t_queued = MonotonicNs();
  Outcomes o;
  if (outcomes ? !AwaitOutcomes(d, stream, groups, metas, opt, o) : !AwaitGroups(d, stream, groups, opt)) {
    std::string deadletter = redis::keys::Deadletter(prefix, PluginKind::kPolling);
    std::fprintf(stderr,
                 "timed out: %lld of %lld metrics groups on %s; %lld tasks still queued on %s, %lld in %s\n",
                 static_cast<long long>(IntReply(d, {"XLEN", stream})), static_cast<long long>(groups),
                 stream.c_str(), static_cast<long long>(IntReply(d, {"LLEN", queue})), queue.c_str(),
                 static_cast<long long>(IntReply(d, {"LLEN", deadletter})), deadletter.c_str());
    return 1;
  }
  int64_t t1 = MonotonicNs();
  if (outcomes && IntReply(d, {"XLEN", stream}) != o.ok * per_task) {
    std::fprintf(stderr, "%lld metrics groups on %s for %lld ok runs of %lld groups\n",
                 static_cast<long long>(IntReply(d, {"XLEN", stream})), stream.c_str(),
                 static_cast<long long>(o.ok), static_cast<long long>(per_task));
    return 1;
  }
  d.commands_sent = d.commands_sent - cmd0 + 1;  // + the INFO that took c0 (counted after it)
  auto c1 = ReadServerCounters(client);
  CheckOk(c1.status(), "INFO");
  double elapsed = static_cast<double>(t1 - t0) / 1e9;
  std::printf("elapsed_s=%.4f\nenqueue_s=%.4f\ntasks_per_s=%.1f\n", elapsed,
              static_cast<double>(t_queued - t0) / 1e9, static_cast<double>(count) / elapsed);
  PrintPerTask(*c0, *c1, d, rt0, count);
  if (outcomes) PrintOutcomes(o);
  if (groups == count) PrintWindow(client, stream);
  return 0;
}

}  // namespace
}  // namespace panoptes::bench

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  panoptes::bench::Options opt(argc, argv, 2);
  if (cmd == "run") return panoptes::bench::Run(opt);
  std::fprintf(stderr, "usage: bench_agent_driver run --port P --prefix X --plugin NAME --count N --tag T\n");
  return 2;
}
