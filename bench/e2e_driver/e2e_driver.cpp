// bench_e2e_driver: scheduler + agent end to end (bench/lib/e2e.sh).
//   seed   --port P --prefix X --count N [--site S]
//     Puts N resources "e2e-<i>" (class "bench") into the resource store, as a discovery plugin
//     "bench_discovery" would, with a one-day TTL.
//   window --port P --prefix X --seconds S --plugin NAME [--site S]
//     Watches S seconds of the metrics stream, then for every metrics group that arrived computes
//     plugin start (the plugin's `started_at` gauge) minus the task's due time. The due time comes
//     from the schedule (scheduler::ScheduleStore::List: entry "<normalized name>:<signature>" and
//     its next due time) modulo the entry's frequency, so no agent cooperation is needed. Prints
//     tasks, tasks_per_s, p50_ms, p99_ms, max_ms (nearest rank).

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "config/identity.h"
#include "model/identity.h"
#include "model/json.h"
#include "redis/keys.h"
#include "resources/store.h"
#include "scheduler/redis_schedule_store.h"
#include "support/bench_support.h"

namespace panoptes::bench {
namespace {

int Seed(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-e2e");
  std::vector<Resource> resources;
  int64_t n = opt.Int("count", 10000);
  for (int64_t i = 0; i < n; ++i)
    resources.push_back(BenchResource(opt.Str("site", "local"), "e2e", static_cast<int>(i)));
  resources::ResourceStore store(client, prefix);
  CheckOk(store.PutDiscovered(config::NormalizedName("bench_discovery"), resources, 86400), "resource store");
  std::printf("seeded=%lld\n", static_cast<long long>(n));
  return 0;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Entry id -> (next due ms, frequency ms) of every polling entry.
std::map<std::string, std::pair<int64_t, int64_t>> Schedule(redis::Client& client,
                                                            const std::string& prefix) {
  scheduler::RedisScheduleStore store(client, prefix, PluginKind::kPolling);
  auto entries = store.List();
  CheckOk(entries.status(), "schedule");
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  for (const auto& e : *entries) out[e.id] = {e.next_due_ms, e.frequency_ms};
  return out;
}

// Plugin start minus due time (ms) of one metrics group; NaN when it cannot be matched.
double LatencyMs(const MetricsGroup& g, const std::string& normalized,
                 const std::map<std::string, std::pair<int64_t, int64_t>>& schedule) {
  auto it = schedule.find(normalized + ":" + model::Signature(normalized, &g.resource));
  if (it == schedule.end() || it->second.second <= 0) return NAN;
  for (const auto& m : g.metrics) {
    if (m.name != "started_at" || !std::holds_alternative<double>(m.value)) continue;
    double freq = static_cast<double>(it->second.second);
    double lat = std::fmod(std::get<double>(m.value) * 1000.0 - static_cast<double>(it->second.first), freq);
    if (lat < 0) lat += freq;
    return lat > freq / 2 ? lat - freq : lat;  // a start just before the due time (clock jitter)
  }
  return NAN;
}

int Window(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-e2e");
  std::string stream = redis::keys::Metrics(prefix, opt.Str("site", "local"));
  auto time = client.Command({"TIME"});
  CheckOk(time.status(), "TIME");
  int64_t from_ms = std::stoll(time->elements.at(0).str) * 1000 + std::stoll(time->elements.at(1).str) / 1000;
  double seconds = opt.Double("seconds", 10);
  timespec pause{static_cast<time_t>(seconds), static_cast<long>(std::fmod(seconds, 1.0) * 1e9)};
  nanosleep(&pause, nullptr);
  auto groups = client.Command({"XRANGE", stream, std::to_string(from_ms),
                                std::to_string(from_ms + static_cast<int64_t>(seconds * 1000))});
  CheckOk(groups.status(), "XRANGE " + stream);
  auto schedule = Schedule(client, prefix);
  std::string normalized = config::NormalizedName(opt.Str("plugin"));
  std::vector<double> lat;
  int64_t unmatched = 0;
  for (const auto& entry : groups->elements) {
    const auto& fields = entry.elements.at(1).elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str != "data") continue;
      auto g = model::ParseMetricsGroup(fields[i + 1].str);
      double l = g.ok() ? LatencyMs(*g, normalized, schedule) : NAN;
      if (std::isnan(l))
        ++unmatched;
      else
        lat.push_back(l);
    }
  }
  std::sort(lat.begin(), lat.end());
  std::printf("tasks=%zu\nunmatched=%lld\ntasks_per_s=%.1f\np50_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f\n",
              lat.size(), static_cast<long long>(unmatched), static_cast<double>(lat.size()) / seconds,
              Percentile(lat, 50), Percentile(lat, 99), lat.empty() ? 0.0 : lat.back());
  return lat.empty() ? 1 : 0;
}

}  // namespace
}  // namespace panoptes::bench

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  panoptes::bench::Options opt(argc, argv, 2);
  if (cmd == "seed") return panoptes::bench::Seed(opt);
  if (cmd == "window") return panoptes::bench::Window(opt);
  std::fprintf(stderr, "usage: bench_e2e_driver seed|window --port P --prefix X ... (see the source)\n");
  return 2;
}
