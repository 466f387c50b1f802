#pragma once
// Helpers shared by the benchmark programs under bench/ (they are tools, not part of the product):
// Redis server counters read from INFO, the synthetic resources and tasks the benchmarks queue,
// a monotonic clock comparable across processes, and option parsing that exits on bad usage.
// Nothing here keeps global state; values are not shared between threads.

#include <cstdint>
#include <map>
#include <string>

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
  std::map<std::string, uint64_t> calls;  // command name -> calls, from commandstats
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
