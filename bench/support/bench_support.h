#pragma once
// Helpers shared by the benchmark programs under bench/ (they are tools, not part of the product):
// Redis server counters read from INFO, the synthetic resources and tasks the benchmarks queue,
// a monotonic clock comparable across processes, and option parsing that exits on bad usage.
// Nothing here keeps global state; values are not shared between threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cli.h"
#include "panoptes/model.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::bench {

// Server-side counters, read with one `INFO stats cpu commandstats` round trip.
struct ServerCounters {
  uint64_t commands = 0;                  // total_commands_processed (includes the commands scripts run)
  uint64_t writes = 0;                    // total_writes_processed: reply writes, one per client round trip
  double cpu_s = 0;                       // used_cpu_user + used_cpu_sys of the redis-server process
  double cpu_sys_s = 0;                   // used_cpu_sys alone (the kernel's part: sockets, wakeups)
  std::map<std::string, uint64_t> calls;  // command name -> calls, from commandstats
  // command name -> usec, from commandstats: the time Redis spent executing it (a script's own
  // commands are counted under the script's call too); its reading, parsing and reply writing are not.
  std::map<std::string, uint64_t> usec;
};
Result<ServerCounters> ReadServerCounters(redis::Client& client);

// Nanoseconds of CLOCK_MONOTONIC: the same clock in every process of this host.
int64_t MonotonicNs();
// Seconds since the epoch (host clock), as the task messages carry them.
double WallSeconds();

// The synthetic resource number `index` of a batch tagged `tag`: id "<tag>-<index>", class,
// subclass and type "bench", on `site`. Distinct (tag, index) give distinct signatures.
Resource BenchResource(const std::string& site, const std::string& tag, int index);
// A docs/redis.md polling task for plugin `plugin_name` on `resource`, scheduled at `now`, with a proper
// signature (model::Signature of the normalized name). Expires one hour later.
Task BenchTask(const std::string& plugin_name, const Resource& resource, double now, double time_limit);

// One executed task as its metrics group tells it (polling bench plugins): the plugin's own start
// and end on the host's wall clock (gauges `started_at`, `ended_at`; NaN when absent), when Redis
// added the group (the stream entry id's milliseconds, + 0.5: the id truncates), the worker that ran
// it (dimension `worker`, the worker's pid; empty when absent) and the resource id.
struct TaskTimes {
  std::string resource_id;
  std::string worker;
  double started = 0, ended = 0, added = 0;  // seconds since the epoch; started/ended NaN if absent
};
// Every group of `stream` (oldest first), read with XRANGE in chunks; exits with a message on error.
std::vector<MetricsGroup> ReadGroups(redis::Client& client, const std::string& stream);
std::vector<TaskTimes> ReadTaskTimes(redis::Client& client, const std::string& stream);

// Nearest-rank percentile of sorted values (0 when empty).
double Percentile(const std::vector<double>& sorted, double p);

// The steady rate of a backlog run, from the tasks' own times (never from when a poller saw them):
// the window runs from the start at the 10 % rank to the end at the 90 % rank (the start at the
// 90 % rank when the groups have no `ended_at`), so it has no ramp-up and no tail. With start and
// end known, each task counts for the fraction of its run inside the window, so the rate cannot
// exceed what the workers can do (a worker's runs do not overlap); otherwise the starts inside it
// are counted. Empty when there are fewer than 10 tasks, a time is missing, or the window is
// shorter than 10 ms (then the figure would be noise: no value rather than an absurd one).
struct SteadyWindow {
  double from = 0, to = 0;  // seconds since the epoch
  double tasks_per_s = 0;
};
std::optional<SteadyWindow> SteadyRate(const std::vector<TaskTimes>& tasks);

// Where a busy worker's time goes between two runs, over the tasks inside `window` (needs the
// `worker` dimension and `ended_at`): per worker, the gap from a run's end to the same worker's
// next start, split at the moment Redis added the first run's group (finish: conversion,
// serialization and the step's way to Redis; next: the reply, the next task's validation and
// guard, the plugin's call), and the runs' own length.
struct WorkerGaps {
  size_t workers = 0, gaps = 0;
  double run_ms_mean = 0, gap_ms_mean = 0, gap_ms_p50 = 0, gap_ms_p99 = 0, finish_ms_mean = 0,
         next_ms_mean = 0;
};
std::optional<WorkerGaps> GapsOf(const std::vector<TaskTimes>& tasks, const SteadyWindow& window);

// Parsed options of a bench program: "--name value" pairs. Missing or malformed values print a
// message naming the option and exit with status 2 (these are command-line tools).
class Options {
 public:
  Options(int argc, char** argv, int first);
  std::string Str(const std::string& name, const std::string& fallback) const;
  std::string Str(const std::string& name) const;  // required
  int64_t Int(const std::string& name, int64_t fallback) const;
  double Double(const std::string& name, double fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

// A RedisConfig for 127.0.0.1:`port` with `prefix`, an io timeout long enough for the benches.
RedisConfig BenchRedisConfig(int port, const std::string& prefix);

// Prints `message` (and the status) to stderr and exits with status 1 when `status` is not ok.
void CheckOk(const Status& status, const std::string& message);

}  // namespace panoptes::bench
