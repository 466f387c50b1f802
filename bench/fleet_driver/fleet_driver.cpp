// bench_fleet_driver: the fleet section's measurements of a running panoptes-agent (bench/lib/fleet.sh).
//   paced   --port P --prefix X --plugin NAME --rate R --seconds S --tag T [--site S] [--timeout-s 120]
//     Queues polling tasks at R per second for S seconds (task i is due, and pushed, at start + i/R:
//     its scheduled_for is that instant), waits until every one has written its metrics group, then
//     computes plugin start (the plugin's `started_at` gauge) minus due time for each. Prints tasks,
//     tasks_per_s (groups / (last group - first due)), p50_ms, p99_ms, max_ms (nearest rank).
//   replace --port P --prefix X --plugin NAME --pid PID --tag T [--site S] [--timeout-s 30]
//     For an agent with one idle worker PID: SIGKILLs it, waits until the kernel has ended it
//     (zombie or gone), queues one task due at the kill and waits for its metrics group. Prints
//     replace_ms: the kill -> the replacement worker's plugin start (the supervisor's reaction, the
//     new worker's start and its first task), and dead_ms (kill -> the process ended).

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "model/json.h"
#include "redis/keys.h"
#include "support/bench_support.h"

namespace panoptes::bench {
namespace {

constexpr size_t kBatch = 16;  // tasks per LPUSH pipeline

void Pause(double seconds) {
  timespec ts{static_cast<time_t>(seconds), static_cast<long>(std::fmod(seconds, 1.0) * 1e9)};
  nanosleep(&ts, nullptr);
}

std::string Serialized(const Options& opt, const std::string& tag, int index, double due) {
  Task t = BenchTask(opt.Str("plugin"), BenchResource(opt.Str("site", "local"), tag, index), due, 10);
  t.scheduled_for = due;
  return model::SerializeTask(t);
}

int64_t Len(redis::Client& client, const std::string& stream) {
  auto reply = client.Command({"XLEN", stream});
  CheckOk(reply.status(), "XLEN " + stream);
  return reply->integer;
}

// Waits until `stream` holds `count` entries; exits with a message on timeout.
void AwaitGroups(redis::Client& client, const std::string& stream, int64_t count, double timeout_s) {
  int64_t deadline = MonotonicNs() + static_cast<int64_t>(timeout_s * 1e9);
  int64_t have = 0;
  while ((have = Len(client, stream)) < count) {
    if (MonotonicNs() > deadline) {
      std::fprintf(stderr, "timed out after %.0f s: %lld of %lld metrics groups on %s\n", timeout_s,
                   static_cast<long long>(have), static_cast<long long>(count), stream.c_str());
      std::exit(1);
    }
    Pause(0.002);
  }
}

double StartedAt(const MetricsGroup& g) {
  for (const auto& m : g.metrics)
    if (m.name == "started_at" && std::holds_alternative<double>(m.value)) return std::get<double>(m.value);
  return NAN;
}

int Paced(const Options& opt) {
  std::string prefix = opt.Str("prefix"), tag = opt.Str("tag");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-fleet");
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  std::string stream = redis::keys::Metrics(prefix, opt.Str("site", "local"));
  CheckOk(client.Command({"DEL", stream}).status(), "DEL " + stream);
  double rate = opt.Double("rate", 100), seconds = opt.Double("seconds", 5);
  auto total = static_cast<int64_t>(rate * seconds);
  double t0 = WallSeconds();
  for (int64_t sent = 0; sent < total;) {
    auto due_now = std::min(total, static_cast<int64_t>((WallSeconds() - t0) * rate) + 1);
    std::vector<redis::Args> batch;
    for (; sent < due_now; ++sent) {
      batch.push_back({"LPUSH", queue, Serialized(opt, tag, static_cast<int>(sent), t0 + sent / rate)});
      if (batch.size() == kBatch) {
        CheckOk(client.Pipeline(batch).status(), "LPUSH " + queue);
        batch.clear();
      }
    }
    if (!batch.empty()) CheckOk(client.Pipeline(batch).status(), "LPUSH " + queue);
    Pause(0.001);
  }
  AwaitGroups(client, stream, total, opt.Double("timeout-s", 120));
  double t_end = WallSeconds();
  std::vector<double> lat;
  for (const auto& g : ReadGroups(client, stream)) {
    auto dash = g.resource.id.rfind('-');
    double started = StartedAt(g);
    if (dash == std::string::npos || g.resource.id.compare(0, dash, tag) != 0 || std::isnan(started))
      continue;
    double due = t0 + std::stod(g.resource.id.substr(dash + 1)) / rate;
    lat.push_back((started - due) * 1000.0);
  }
  std::sort(lat.begin(), lat.end());
  std::printf("tasks=%zu\ntasks_per_s=%.1f\np50_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f\n", lat.size(),
              static_cast<double>(lat.size()) / (t_end - t0), Percentile(lat, 50), Percentile(lat, 99),
              lat.empty() ? 0.0 : lat.back());
  return static_cast<int64_t>(lat.size()) == total ? 0 : 1;
}

// True once `pid` has ended (a zombie waiting for its parent, or gone).
bool Ended(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

int Replace(const Options& opt) {
  std::string prefix = opt.Str("prefix");
  redis::Client client(BenchRedisConfig(static_cast<int>(opt.Int("port", 0)), prefix), "bench-fleet");
  std::string queue = redis::keys::Tasks(prefix, PluginKind::kPolling);
  std::string stream = redis::keys::Metrics(prefix, opt.Str("site", "local"));
  CheckOk(client.Command({"DEL", stream}).status(), "DEL " + stream);
  auto pid = static_cast<pid_t>(opt.Int("pid", 0));
  if (pid <= 0 || Ended(pid)) {
    std::fprintf(stderr, "replace: --pid %d is not a running process\n", static_cast<int>(pid));
    return 2;
  }
  double t0 = WallSeconds();
  if (kill(pid, SIGKILL) != 0) {
    std::perror("replace: kill");
    return 1;
  }
  int64_t deadline = MonotonicNs() + 5'000'000'000;
  while (!Ended(pid)) {
    if (MonotonicNs() > deadline) {
      std::fprintf(stderr, "replace: pid %d still alive 5 s after SIGKILL\n", static_cast<int>(pid));
      return 1;
    }
    Pause(0.0001);
  }
  double t_dead = WallSeconds();
  CheckOk(client.Command({"LPUSH", queue, Serialized(opt, opt.Str("tag"), 0, t0)}).status(),
          "LPUSH " + queue);
  AwaitGroups(client, stream, 1, opt.Double("timeout-s", 30));
  auto groups = ReadGroups(client, stream);
  double started = groups.empty() ? NAN : StartedAt(groups.front());
  if (std::isnan(started)) {
    std::fprintf(stderr, "replace: the metrics group has no started_at gauge\n");
    return 1;
  }
  std::printf("dead_ms=%.3f\nreplace_ms=%.3f\n", (t_dead - t0) * 1000.0, (started - t0) * 1000.0);
  return 0;
}

}  // namespace
}  // namespace panoptes::bench

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  panoptes::bench::Options opt(argc, argv, 2);
  if (cmd == "paced") return panoptes::bench::Paced(opt);
  if (cmd == "replace") return panoptes::bench::Replace(opt);
  std::fprintf(stderr, "usage: bench_fleet_driver paced|replace --port P --prefix X ... (see the source)\n");
  return 2;
}
