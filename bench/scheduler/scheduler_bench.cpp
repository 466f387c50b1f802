// bench_scheduler --port P [--host H] [--prefix X] [--entries N] [--frequency S] [--seconds S] [--plugins K]
//                 [--first-only] [--no-yield] [--daemon PATH]
// Measures, against a real redis-server, with N (plugin, resource) entries: of one polling plugin,
// or with --plugins K of K plugins matching N/K resources each:
//   rebuild_initial_ms   build + rebuild from an empty schedule (every entry new)
//   rebuild_unchanged_ms build + rebuild when nothing changed (the periodic rescan)
//   rebuild_change_ms    build + rebuild after 1% of resources changed, 1% appeared, 1% vanished
//   rebuild_one_plugin_ms (K > 1) plan + build + rebuild after one plugin's file changed (its
//                        time_limit: a new value for its N/K entries, due times kept), as the daemon
//                        does it (scheduler::RebuildPlanner: only that plugin's entries)
//   lateness_p50_ms / lateness_p99_ms / lateness_max_ms over --seconds of steady dispatching the
//                        way the scheduler does it (sleep until the next due time), of the tasks
//                        due in that window; lateness_backlog_drained=0 when the dispatch could not
//                        drain the backlog first (within 60 s): the figures are then of every task
//                        pushed in the window (the backlog's lateness)
//   dispatch_rate_per_s  every entry made due at once, dispatched in dispatch_batch batches
//   rss_mb / peak_rss_mb this process (it holds what the scheduler holds: resources and entries)
// With --daemon PATH (the panoptes-scheduler binary) it then measures the real daemon: N resources
// put in the resource store, one polling plugin (bench/plugins/bench_polling.py) matching them all:
//   daemon_schedule_ms      daemon start -> all N entries in the schedule (scan, import, rebuild)
//   daemon_rebuild_change_ms the daemon's own rebuild after 1% of the resources changed (its log)
//   daemon_rss_mb / daemon_peak_rss_mb after --seconds of dispatching (1% of the resources change
//                           half way: the daemon re-reads the store and rebuilds meanwhile)
//   daemon_tasks, daemon_lateness_within_50ms (fraction), daemon_lateness_p99_bucket_ms (the
//                           upper bound of the histogram bucket holding the 99th percentile)
//                           from the daemon's /metrics lateness histogram
//   rebuild_during_dispatch_ms (and _cpu_ms, _redis_cpu_ms) the rebuild of every entry in that window,
//                        giving way to the dispatch (dispatch_pressure.h) unless --no-yield;
//                        rebuild_gave_way_ms the time it waited for the dispatch
//   resource_table_mb    the resources as the scheduler holds them (scheduler::ResourceTable)
// With --first-only it stops after the first rebuild (rebuild_initial_*: for profiles and A/B runs).
// The schedule's keys of --prefix are deleted at the start and at the end (synchronously, outside
// every measured step), so no size leaves its entries in Redis for the next. (--daemon's keys, of
// "<prefix>-daemon", are not: that part reads them while it runs.)
// Output: one name=value line each. Exit 1 on any Redis error.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/identity.h"
#include "core/cli.h"
#include "process/process.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "resources/store.h"
#include "scheduler/dispatch_pressure.h"
#include "scheduler/entry.h"
#include "scheduler/rebuild_plan.h"
#include "scheduler/redis_schedule_store.h"
#include "scheduler/resource_table.h"

namespace {

using namespace panoptes;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void CheckStatus(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "bench_scheduler: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "bench_scheduler: %s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

double StatusMb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

Resource MakeResource(int i, int generation) {
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "bench";
  r.id = "device-" + std::to_string(i);
  r.endpoint = "10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
               std::to_string(i % 256);
  r.plugin = "bench_discovery";
  r.creation_timestamp = 1700000000;
  r.metadata = {{"model", "qfx5100"},
                {"os", "junos"},
                {"rack", std::to_string(i % 400)},
                {"gen", std::to_string(generation)}};
  return r;
}

std::vector<Resource> MakeResources(int n, int generation) {
  std::vector<Resource> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(MakeResource(i, generation));
  return out;
}

// The signatures of the entries over the current resources, kept between rebuilds as the daemon
// keeps them (bound to the generation of the resources: MakeTable bumps it).
scheduler::SignatureCache signature_cache;
uint64_t resources_generation = 0;

// The resources of a bench step, as the scheduler holds them: devices 0..n-1 of `generation`;
// with `churn`, 1% of them (every 100th) of generation 1, the last 1% gone and 1% new ones.
scheduler::ResourceTable MakeTable(int n, int generation, bool churn) {
  ++resources_generation;
  scheduler::ResourceTable table;
  auto add = [&](const Resource& r) { CheckStatus(table.Add(r), "resource table"); };
  int kept = churn ? n - n / 100 : n;
  for (int i = 0; i < kept; ++i)
    add(MakeResource(i, churn && generation == 0 && i % 100 == 0 && i < n / 100 * 100 ? 1 : generation));
  if (churn) {
    for (int i = 0; i < n / 100; ++i) {
      Resource r = MakeResource(0, generation == 0 ? 2 : generation);
      r.id += "-new-" + std::to_string(i);
      add(r);
    }
  }
  table.ShrinkToFit();
  return table;
}

double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

// Redis' CPU time (user + system, all its threads) in ms, from INFO cpu.
double RedisCpuMs(redis::Client& client) {
  auto info = Check(client.Command({"INFO", "cpu"}), "info cpu");
  double total = 0;
  std::istringstream in(info.str);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("used_cpu_user:", 0) == 0 || line.rfind("used_cpu_sys:", 0) == 0)
      total += std::stod(line.substr(line.find(':') + 1)) * 1000;
  }
  return total;
}

// Wall time, this process' CPU and Redis' CPU of one step: on a machine shared with other work
// the wall time includes waiting for a CPU; the two CPU figures do not.
struct Cost {
  double wall_ms = 0, cpu_ms = 0, redis_cpu_ms = 0;
};

template <typename F>
Cost Measure(redis::Client& client, F&& step) {
  double redis0 = RedisCpuMs(client), cpu0 = CpuMs();
  auto start = Clock::now();
  step();
  Cost c;
  c.wall_ms = MsSince(start);
  c.cpu_ms = CpuMs() - cpu0;
  c.redis_cpu_ms = RedisCpuMs(client) - redis0;
  return c;
}

void Print(const char* name, const Cost& c) {
  std::printf("%s_ms=%.1f\n%s_cpu_ms=%.1f\n%s_redis_cpu_ms=%.1f\n", name, c.wall_ms, name, c.cpu_ms, name,
              c.redis_cpu_ms);
}

Cost Rebuild(redis::Client& client, scheduler::ScheduleStore& store,
             const std::vector<scheduler::SchedulablePlugin>& plugins,
             const scheduler::ResourceTable& resources, const char* what) {
  scheduler::RebuildStats stats;
  signature_cache.Bind(resources_generation);
  Cost c = Measure(client, [&] {
    stats = Check(store.Rebuild([&](const std::function<void(scheduler::Entry &&)>& sink) {
      scheduler::ForEachEntry(plugins, resources, sink, &signature_cache);
    }),
                  what);
  });
  std::fprintf(stderr,
               "%s: %.1f ms, cpu %.1f ms, redis cpu %.1f ms (+%zu ~%zu -%zu =%zu, %llu round trips)\n", what,
               c.wall_ms, c.cpu_ms, c.redis_cpu_ms, stats.added, stats.updated + stats.rescheduled,
               stats.removed, stats.unchanged, static_cast<unsigned long long>(stats.round_trips));
  return c;
}

// The rebuild after one plugin's file changed, as the daemon plans it (the resources did not
// change, so RebuildPlanner scopes it to that plugin), `reps` times with alternating values of the
// setting `change` alters: the median of each figure.
Cost OnePluginRebuild(redis::Client& client, scheduler::ScheduleStore& store,
                      std::vector<scheduler::SchedulablePlugin>& plugins,
                      const scheduler::ResourceTable& resources,
                      const std::function<void(PluginInfo&, int rep)>& change, int reps, const char* what) {
  std::vector<Cost> costs;
  for (int rep = 0; rep < reps; ++rep) {
    scheduler::RebuildPlanner planner;
    planner.Applied(plugins, 1);
    PluginInfo info = plugins[0].info;
    change(info, rep);
    plugins[0] = Check(scheduler::MakeSchedulable(info), "filter");
    scheduler::RebuildStats stats;
    signature_cache.Bind(resources_generation);
    costs.push_back(Measure(client, [&] {
      scheduler::RebuildPlan plan = planner.Plan(plugins, 1);
      stats = Check(store.Rebuild(
                        [&](const std::function<void(scheduler::Entry &&)>& sink) {
                          scheduler::ForEachEntry(plugins, resources, sink, plan.scope, &signature_cache);
                        },
                        plan.scope),
                    what);
    }));
    std::fprintf(stderr, "%s: %.1f ms, cpu %.1f ms, redis cpu %.1f ms (~%zu =%zu)\n", what,
                 costs.back().wall_ms, costs.back().cpu_ms, costs.back().redis_cpu_ms,
                 stats.updated + stats.rescheduled, stats.unchanged);
  }
  auto median = [&](double Cost::*field) {
    std::vector<double> v;
    for (const Cost& c : costs) v.push_back(c.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return Cost{median(&Cost::wall_ms), median(&Cost::cpu_ms), median(&Cost::redis_cpu_ms)};
}

double Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()))]);
}

// Dispatches like KindScheduler for `seconds`, on its own connection, after the backlog left by the
// rebuilds above is drained; the task list is dropped as it grows. `meanwhile` runs on another
// thread a third of the way in (a rebuild, as the daemon's maintenance thread does). Counts the
// tasks that fell due during the window, or, when the backlog did not drain within 60 s
// (`drained` false), every task pushed during it.
std::vector<int64_t> SteadyLateness(redis::Client& client, scheduler::ScheduleStore& store,
                                    const std::string& token, const std::string& tasks_key, int seconds,
                                    scheduler::DispatchPressure* pressure,
                                    const std::function<void()>& meanwhile, bool& drained) {
  // Drain the backlog first, for at most 60 s: on a machine too busy for the dispatch to keep up
  // with N entries the backlog never drains, and the window then shows the lag.
  auto drain_end = Clock::now() + std::chrono::seconds(60);
  int64_t dispatched = 1000;
  for (int64_t since_drop = 0; dispatched >= 1000 && Clock::now() < drain_end;) {
    dispatched = Check(store.Dispatch(token, 1000), "dispatch").dispatched;
    if ((since_drop += dispatched) >= 10000) {
      Check(client.Command({"UNLINK", tasks_key}), "unlink tasks");
      since_drop = 0;
    }
  }
  Check(client.Command({"UNLINK", tasks_key}), "unlink tasks");
  // Not drained: the dispatch cannot keep up with the entries here, so no task that falls due in
  // the window is ever pushed in it. The window then records the backlog's lateness (every task
  // pushed in it), which is what a site of this size would see.
  drained = dispatched < 1000;
  std::vector<int64_t> lateness;
  int64_t window_start_ms = Check(store.ServerTimeMs(), "time");
  auto end = Clock::now() + std::chrono::seconds(seconds);
  std::thread side([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(seconds * 1000 / 3));
    meanwhile();
  });
  int64_t unconsumed = 0;  // tasks pushed since the list was last dropped
  while (Clock::now() < end) {
    auto r = Check(store.Dispatch(token, 1000), "dispatch");
    int64_t latest = 0;
    for (int64_t late : r.lateness_ms) {
      if (!drained || r.now_ms - late >= window_start_ms) lateness.push_back(late);
      latest = std::max(latest, late);
    }
    if (pressure) pressure->Report(r.dispatched, 1000, latest);
    // No agent takes the tasks: drop them now and then (UNLINK frees them off Redis' main thread),
    // not after every call, which would be a round trip per call the daemon does not make.
    unconsumed += r.dispatched;
    if (unconsumed >= 10000) {
      Check(client.Command({"UNLINK", tasks_key}), "unlink tasks");
      unconsumed = 0;
    }
    if (r.dispatched >= 1000) continue;
    int64_t wait = r.next_due_ms < 0 ? 100 : std::clamp<int64_t>(r.next_due_ms - r.now_ms, 0, 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  if (pressure) pressure->Clear();
  side.join();
  Check(client.Command({"DEL", tasks_key}), "del tasks");
  return lateness;
}

double BurstRate(redis::Client& client, scheduler::ScheduleStore& store, const std::string& token,
                 const std::string& schedule_key, const std::string& tasks_key, int n) {
  Check(client.Command({"ZUNIONSTORE", schedule_key, "1", schedule_key, "WEIGHTS", "0"}), "make all due");
  auto start = Clock::now();
  int64_t total = 0;
  while (total < n) {
    auto r = Check(store.Dispatch(token, 1000), "dispatch");
    if (r.dispatched == 0) break;
    total += r.dispatched;
    Check(client.Command({"DEL", tasks_key}), "del tasks");
  }
  return static_cast<double>(total) / (MsSince(start) / 1000.0);
}

double ProcMb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

// The last "schedule rebuilt in <ms> ms" of the daemon's log, or -1.
double LastRebuildMs(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line;
  double ms = -1;
  while (std::getline(in, line)) {
    size_t at = line.find("schedule rebuilt in ");
    if (at != std::string::npos) ms = std::stod(line.substr(at + 20));
  }
  return ms;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// GET /metrics from 127.0.0.1:port ("" on failure).
std::string Scrape(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[8192];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

// From the daemon's lateness histogram: (count, fraction <= 50 ms, smallest bucket bound holding
// 99% of the tasks in ms).
std::tuple<double, double, double> LatenessFromMetrics(const std::string& text) {
  std::vector<std::pair<double, double>> buckets;  // (le seconds, cumulative count)
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::string prefix = "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"";
    if (line.rfind(prefix, 0) != 0) continue;
    std::string le = line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size());
    double bound = le == "+Inf" ? 1e9 : std::stod(le);
    buckets.emplace_back(bound, std::stod(line.substr(line.rfind(' ') + 1)));
  }
  if (buckets.empty() || buckets.back().second == 0) return {0, -1, -1};
  double total = buckets.back().second, within50 = 0, p99 = -1;
  for (auto [bound, count] : buckets) {
    if (bound <= 0.050 + 1e-9) within50 = count / total;
    if (p99 < 0 && count >= 0.99 * total) p99 = bound * 1000;
  }
  return {total, within50, p99};
}

void MeasureDaemon(redis::Client& client, const RedisConfig& rc, const std::string& bin, int n, int frequency,
                   int seconds) {
  std::string dir = "/tmp/bench-scheduler-" + std::to_string(getpid());
  int http_port = FreePort();
  std::filesystem::create_directories(dir + "/polling");
  std::ofstream(dir + "/polling/bench_polling.panoptes-plugin")
      << "[Core]\nName = bench_polling\nModule = " << PANOPTES_SOURCE_DIR
      << "/bench/plugins/bench_polling.py\n"
      << "[Documentation]\nDescription = bench\n[main]\nexecute_frequency = " << frequency
      << "\nresource_filter = resource_class = \"network\"\n";
  std::ofstream(dir + "/panoptes.ini")
      << "[redis]\nhost = " << rc.host << "\nport = " << rc.port << "\nkey_prefix = " << rc.key_prefix
      << "-daemon\n[polling]\nplugins_paths = " << dir
      << "/polling\n[http]\nscheduler_listen = 127.0.0.1:" << http_port << "\n";
  resources::ResourceStore store(client, rc.key_prefix + "-daemon");
  std::vector<Resource> resources = MakeResources(n, 0);
  CheckStatus(store.PutDiscovered("bench_discovery", resources, 3600), "put resources");
  std::string schedule_key = redis::keys::Schedule(rc.key_prefix + "-daemon", PluginKind::kPolling);
  std::string tasks_key = redis::keys::Tasks(rc.key_prefix + "-daemon", PluginKind::kPolling);
  auto start = Clock::now();
  pid_t pid = Check(
      process::Spawn({bin, "--config", dir + "/panoptes.ini", "--kind", "polling", "--log-level", "info"},
                     dir + "/scheduler.log"),
      "spawn the scheduler");
  auto count = [&] { return Check(client.Command({"ZCARD", schedule_key}), "zcard").integer; };
  while (count() < n && MsSince(start) < 120000) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double schedule_ms = MsSince(start);
  // Half way through the window another discovery plugin adds 1% more resources: the daemon
  // re-reads the store and rebuilds while it dispatches. (Re-putting all N resources instead would
  // measure the store: its PutDiscovered script blocks Redis ~1 s per 100k resources, which delays
  // every dispatch meanwhile; see docs/redis.md, "Resource store".)
  auto end = Clock::now() + std::chrono::seconds(seconds);
  bool changed = false;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Check(client.Command({"DEL", tasks_key}), "del tasks");
    if (!changed && Clock::now() > end - std::chrono::seconds(seconds / 2)) {
      changed = true;
      std::vector<Resource> extra = MakeResources(n / 100, 1);
      for (Resource& r : extra) r.plugin = "bench_discovery_extra";
      CheckStatus(store.PutDiscovered("bench_discovery_extra", extra, 3600), "add resources");
    }
  }
  std::string metrics = Scrape(http_port);
  if (metrics.empty()) std::fprintf(stderr, "bench_scheduler: no /metrics on 127.0.0.1:%d\n", http_port);
  auto [tasks, within50, p99] = LatenessFromMetrics(metrics);
  double rss = ProcMb(pid, "VmRSS"), peak = ProcMb(pid, "VmHWM");
  (void)process::SendSignal(pid, SIGTERM);
  process::WaitFor(pid, 10000);
  std::printf(
      "daemon_schedule_ms=%.0f\ndaemon_rebuild_change_ms=%.0f\ndaemon_rss_mb=%.1f\ndaemon_peak_rss_mb=%.1f\n",
      schedule_ms, LastRebuildMs(dir + "/scheduler.log"), rss, peak);
  std::printf("daemon_tasks=%.0f\ndaemon_lateness_within_50ms=%.4f\ndaemon_lateness_p99_bucket_ms=%.0f\n",
              tasks, within50, p99);
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  core::ArgParser parser("bench_scheduler", "--port P [options]");
  for (const char* name :
       {"host", "port", "prefix", "entries", "frequency", "seconds", "daemon", "plugins"}) {
    parser.Add({name, "V", ""});
  }
  parser.Add({"no-yield", "", ""});
  parser.Add({"first-only", "", ""});
  auto args = Check(parser.Parse(argc, argv), "arguments");
  RedisConfig rc;
  rc.host = args.Get("host").value_or("127.0.0.1");
  rc.port = std::stoi(args.Get("port").value_or("6379"));
  rc.key_prefix = args.Get("prefix").value_or("bench-scheduler");
  rc.io_timeout_ms =
      60000;  // one command over 1M entries (ZUNIONSTORE below) takes seconds on a loaded machine
  int n = std::stoi(args.Get("entries").value_or("100000"));
  int frequency = std::stoi(args.Get("frequency").value_or("60"));
  int seconds = std::stoi(args.Get("seconds").value_or("20"));
  int plugin_count = std::max(1, std::stoi(args.Get("plugins").value_or("1")));

  redis::Client client(rc, "bench-scheduler");
  const PluginKind kind = PluginKind::kPolling;
  std::string schedule_key = redis::keys::Schedule(rc.key_prefix, kind);
  std::string tasks_key = redis::keys::Tasks(rc.key_prefix, kind);
  // Every key of this prefix's schedule (a run that failed half way leaves some), and again at the
  // end: the 1M size would otherwise leave ~650 MB in the bench's Redis for the sections after it.
  const std::vector<std::string> keys = {schedule_key,
                                         redis::keys::ScheduleEntries(rc.key_prefix, kind),
                                         redis::keys::SchedulePlugins(rc.key_prefix, kind),
                                         redis::keys::ScheduleWrites(rc.key_prefix, kind),
                                         redis::keys::ScheduleDigests(rc.key_prefix, kind),
                                         redis::keys::Leader(rc.key_prefix, kind),
                                         tasks_key};
  auto clean = [&](const char* what) {
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), keys.begin(), keys.end());
    Check(client.Command(del), what);
  };
  clean("clean");

  PluginInfo info;
  info.kind = kind;
  info.name = "bench_polling";
  info.normalized_name = config::NormalizedName(info.name);
  info.execute_frequency = frequency;
  info.time_limit = 1.25 * frequency;
  info.expires = 2 * frequency;
  info.resource_filter = "resource_class = \"network\" AND resource_metadata.os LIKE 'jun%'";
  std::vector<scheduler::SchedulablePlugin> plugins;
  for (int i = 0; i < plugin_count; ++i) {
    if (plugin_count > 1) info.name = "bench_polling_" + std::to_string(i);
    info.normalized_name = config::NormalizedName(info.name);
    plugins.push_back(Check(scheduler::MakeSchedulable(info), "filter"));
  }

  scheduler::RedisScheduleStore store(client, rc.key_prefix, kind);
  const int r = n / plugin_count;
  double rss_before = StatusMb("VmRSS");
  scheduler::ResourceTable resources = MakeTable(r, 0, false);
  double table_mb = static_cast<double>(resources.MemoryBytes()) / (1024 * 1024);
  Cost initial = Rebuild(client, store, plugins, resources, "rebuild (initial)");
  malloc_trim(0);  // as the daemon does after a rebuild
  double rss_after_initial = StatusMb("VmRSS");
  if (args.Has("first-only")) {
    std::printf("entries=%d\nplugins=%d\nfrequency_s=%d\n", n, plugin_count, frequency);
    Print("rebuild_initial", initial);
    std::printf("rss_after_initial_mb=%.1f\npeak_rss_mb=%.1f\n", rss_after_initial, StatusMb("VmHWM"));
    clean("clean up");
    return 0;
  }
  Cost unchanged = Rebuild(client, store, plugins, resources, "rebuild (unchanged)");
  resources = MakeTable(r, 0, true);  // 1% changed, 1% vanished, 1% new
  Cost changed = Rebuild(client, store, plugins, resources, "rebuild (1% changed/added/removed)");
  std::optional<Cost> one_plugin, one_plugin_frequency;
  if (plugin_count > 1) {
    one_plugin = OnePluginRebuild(
        client, store, plugins, resources, [](PluginInfo& p, int) { p.time_limit += 1; }, 5,
        "rebuild (one plugin's time_limit changed)");
    one_plugin_frequency = OnePluginRebuild(
        client, store, plugins, resources,
        [frequency](PluginInfo& p, int rep) {
          p.execute_frequency = rep % 2 == 0 ? frequency + 1 : frequency;
        },
        5, "rebuild (one plugin's execute_frequency changed)");
  }
  malloc_trim(0);
  double rss = StatusMb("VmRSS");

  std::string token = "bench-token";
  Check(client.Command({"SET", redis::keys::Leader(rc.key_prefix, kind), token, "PX", "3600000"}),
        "leader");  // the 1M steps take minutes on a loaded machine
  redis::Client dispatch_client(rc, "bench-scheduler-dispatch");
  scheduler::RedisScheduleStore dispatch_store(dispatch_client, rc.key_prefix, kind);
  resources = MakeTable(r, 3, true);  // every resource changed again: the rebuild meanwhile
  // The rebuild meanwhile gives way to the dispatch as in the daemon (--no-yield: it does not).
  scheduler::DispatchPressure pressure;
  const bool yield = !args.Has("no-yield");
  if (yield) store.set_dispatch_pressure(&pressure);
  Cost during{};
  bool drained = true;
  std::vector<int64_t> lateness = SteadyLateness(
      dispatch_client, dispatch_store, token, tasks_key, seconds, yield ? &pressure : nullptr,
      [&] {
        during =
            Rebuild(client, store, plugins, resources, "rebuild (every entry changed, while dispatching)");
      },
      drained);
  store.set_dispatch_pressure(nullptr);
  double rate = BurstRate(client, store, token, schedule_key, tasks_key, n);

  std::printf("entries=%d\nplugins=%d\nfrequency_s=%d\n", n, plugin_count, frequency);
  Print("rebuild_initial", initial);
  Print("rebuild_unchanged", unchanged);
  Print("rebuild_change", changed);
  if (one_plugin) Print("rebuild_one_plugin", *one_plugin);
  if (one_plugin_frequency) Print("rebuild_one_plugin_frequency", *one_plugin_frequency);
  Print("rebuild_during_dispatch", during);
  std::printf("rebuild_gave_way_ms=%lld\n", static_cast<long long>(pressure.waited_ms()));
  std::printf("lateness_backlog_drained=%d\n", drained ? 1 : 0);
  std::printf("lateness_samples=%zu\nlateness_p50_ms=%.0f\nlateness_p99_ms=%.0f\nlateness_max_ms=%.0f\n",
              lateness.size(), Percentile(lateness, 50), Percentile(lateness, 99), Percentile(lateness, 100));
  std::printf("dispatch_rate_per_s=%.0f\nrss_after_initial_mb=%.1f\nrss_mb=%.1f\npeak_rss_mb=%.1f\n", rate,
              rss_after_initial, rss, StatusMb("VmHWM"));
  std::printf("rss_at_start_mb=%.1f\nresource_table_mb=%.1f\n", rss_before, table_mb);
  clean("clean up");
  if (auto daemon = args.Get("daemon")) MeasureDaemon(client, rc, *daemon, n, frequency, seconds);
  return 0;
}
