#include "support/bench_support.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>

#include "config/identity.h"
#include "model/identity.h"
#include "model/json.h"

namespace panoptes::bench {
namespace {

// "key:value" lines of INFO; commandstats lines are "cmdstat_<name>:calls=N,usec=...".
void ParseInfoLine(const std::string& line, ServerCounters& out, double& cpu_user, double& cpu_sys) {
  auto colon = line.find(':');
  if (colon == std::string::npos) return;
  std::string key = line.substr(0, colon);
  std::string value = line.substr(colon + 1);
  if (key == "total_commands_processed") out.commands = std::stoull(value);
  if (key == "total_writes_processed") out.writes = std::stoull(value);
  if (key == "used_cpu_user") cpu_user = std::stod(value);
  if (key == "used_cpu_sys") cpu_sys = std::stod(value);
  if (key.rfind("cmdstat_", 0) == 0 && value.rfind("calls=", 0) == 0) {
    out.calls[key.substr(8)] = std::stoull(value.substr(6, value.find(',') - 6));
    auto usec = value.find(",usec=");
    if (usec != std::string::npos) out.usec[key.substr(8)] = std::stoull(value.substr(usec + 6));
  }
}

// Calls `each(entry id, group)` for every metrics group of `stream`, oldest first.
void ForEachGroup(redis::Client& client, const std::string& stream,
                  const std::function<void(const std::string&, MetricsGroup&&)>& each) {
  constexpr size_t kChunk = 5000;
  std::string from = "-";
  for (;;) {
    auto reply = client.Command({"XRANGE", stream, from, "+", "COUNT", std::to_string(kChunk)});
    CheckOk(reply.status(), "XRANGE " + stream);
    for (const auto& entry : reply->elements) {
      const std::string& id = entry.elements.at(0).str;
      from = "(" + id;
      const auto& fields = entry.elements.at(1).elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str != "data") continue;
        auto g = model::ParseMetricsGroup(fields[i + 1].str);
        CheckOk(g.status(), "a metrics group on " + stream);
        each(id, std::move(g).value());
      }
    }
    if (reply->elements.size() < kChunk) return;
  }
}

double Gauge(const MetricsGroup& g, const std::string& name) {
  for (const auto& m : g.metrics) {
    if (m.name != name) continue;
    if (std::holds_alternative<double>(m.value)) return std::get<double>(m.value);
    if (std::holds_alternative<int64_t>(m.value)) return static_cast<double>(std::get<int64_t>(m.value));
  }
  return NAN;
}

// [a, b] ∩ [c, d], seconds (0 when apart).
double Overlap(double a, double b, double c, double d) {
  return std::max(0.0, std::min(b, d) - std::max(a, c));
}

}  // namespace

std::vector<MetricsGroup> ReadGroups(redis::Client& client, const std::string& stream) {
  std::vector<MetricsGroup> out;
  ForEachGroup(client, stream, [&](const std::string&, MetricsGroup&& g) { out.push_back(std::move(g)); });
  return out;
}

std::vector<TaskTimes> ReadTaskTimes(redis::Client& client, const std::string& stream) {
  std::vector<TaskTimes> out;
  ForEachGroup(client, stream, [&](const std::string& id, MetricsGroup&& g) {
    TaskTimes t;
    t.resource_id = g.resource.id;
    t.started = Gauge(g, "started_at");
    t.ended = Gauge(g, "ended_at");
    t.added = (std::strtod(id.c_str(), nullptr) + 0.5) / 1000.0;  // "<ms>-<seq>"
    for (const auto& d : g.dimensions) {
      if (d.name == "worker") t.worker = d.value;
    }
    out.push_back(std::move(t));
  });
  return out;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::optional<SteadyWindow> SteadyRate(const std::vector<TaskTimes>& tasks) {
  if (tasks.size() < 10) return std::nullopt;
  bool ends = true;
  std::vector<double> starts, finishes;
  for (const auto& t : tasks) {
    if (std::isnan(t.started)) return std::nullopt;
    starts.push_back(t.started);
    ends = ends && !std::isnan(t.ended) && t.ended >= t.started;
    finishes.push_back(t.ended);
  }
  std::sort(starts.begin(), starts.end());
  SteadyWindow w;
  w.from = Percentile(starts, 10);
  if (ends) {
    std::sort(finishes.begin(), finishes.end());
    w.to = Percentile(finishes, 90);
  } else {
    w.to = Percentile(starts, 90);
  }
  if (w.to - w.from < 0.010) return std::nullopt;
  double counted = 0;
  for (const auto& t : tasks) {
    if (ends) {
      double run = t.ended - t.started;
      counted += run > 0 ? Overlap(t.started, t.ended, w.from, w.to) / run
                         : (t.started >= w.from && t.started < w.to ? 1.0 : 0.0);
    } else if (t.started >= w.from && t.started < w.to) {
      counted += 1;
    }
  }
  w.tasks_per_s = counted / (w.to - w.from);
  return w;
}

std::optional<WorkerGaps> GapsOf(const std::vector<TaskTimes>& tasks, const SteadyWindow& window) {
  std::map<std::string, std::vector<const TaskTimes*>> by_worker;
  for (const auto& t : tasks) {
    if (t.worker.empty() || std::isnan(t.started) || std::isnan(t.ended)) return std::nullopt;
    by_worker[t.worker].push_back(&t);
  }
  WorkerGaps out;
  out.workers = by_worker.size();
  std::vector<double> gaps;
  double runs = 0, finish = 0, next = 0;
  size_t n_runs = 0;
  for (auto& [worker, list] : by_worker) {
    std::sort(list.begin(), list.end(),
              [](const TaskTimes* a, const TaskTimes* b) { return a->started < b->started; });
    for (size_t i = 0; i < list.size(); ++i) {
      const TaskTimes& t = *list[i];
      if (t.started < window.from || t.ended > window.to) continue;
      runs += t.ended - t.started;
      ++n_runs;
      if (i + 1 == list.size() || list[i + 1]->started > window.to) continue;
      const TaskTimes& n = *list[i + 1];
      gaps.push_back((n.started - t.ended) * 1000.0);
      finish += (t.added - t.ended) * 1000.0;
      next += (n.started - t.added) * 1000.0;
    }
  }
  if (gaps.empty() || n_runs == 0) return std::nullopt;
  out.gaps = gaps.size();
  double sum = 0;
  for (double g : gaps) sum += g;
  std::sort(gaps.begin(), gaps.end());
  out.run_ms_mean = runs * 1000.0 / static_cast<double>(n_runs);
  out.gap_ms_mean = sum / static_cast<double>(gaps.size());
  out.gap_ms_p50 = Percentile(gaps, 50);
  out.gap_ms_p99 = Percentile(gaps, 99);
  out.finish_ms_mean = finish / static_cast<double>(gaps.size());
  out.next_ms_mean = next / static_cast<double>(gaps.size());
  return out;
}

Result<ServerCounters> ReadServerCounters(redis::Client& client) {
  auto reply = client.Command({"INFO", "stats", "cpu", "commandstats"});
  if (!reply.ok()) return reply.status();
  ServerCounters out;
  double cpu_user = 0, cpu_sys = 0;
  std::istringstream text(reply->str);
  std::string line;
  while (std::getline(text, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ParseInfoLine(line, out, cpu_user, cpu_sys);
  }
  out.cpu_s = cpu_user + cpu_sys;
  out.cpu_sys_s = cpu_sys;
  return out;
}

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double WallSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Resource BenchResource(const std::string& site, const std::string& tag, int index) {
  Resource r;
  r.site = site;
  r.class_ = "bench";
  r.subclass = "bench";
  r.type = "bench";
  r.id = tag + "-" + std::to_string(index);
  r.endpoint = "127.0.0.1";
  r.plugin = "bench_discovery";
  r.creation_timestamp = WallSeconds();
  return r;
}

Task BenchTask(const std::string& plugin_name, const Resource& resource, double now, double time_limit) {
  Task t;
  t.id = resource.id + "@" + std::to_string(static_cast<int64_t>(now * 1000));
  t.kind = PluginKind::kPolling;
  t.plugin = plugin_name;
  t.signature = model::Signature(config::NormalizedName(plugin_name), &resource);
  t.resource = resource;
  t.scheduled_for = now;
  t.expires_at = now + 3600;
  t.time_limit = time_limit;
  return t;
}

Options::Options(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "bad argument %s: expected --name value\n", arg.c_str());
      std::exit(2);
    }
    values_[arg.substr(2)] = argv[++i];
  }
}

std::string Options::Str(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Options::Str(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::fprintf(stderr, "missing option --%s\n", name.c_str());
    std::exit(2);
  }
  return it->second;
}

int64_t Options::Int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    std::fprintf(stderr, "option --%s: %s is not an integer\n", name.c_str(), it->second.c_str());
    std::exit(2);
  }
  return v;
}

double Options::Double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0') {
    std::fprintf(stderr, "option --%s: %s is not a number\n", name.c_str(), it->second.c_str());
    std::exit(2);
  }
  return v;
}

RedisConfig BenchRedisConfig(int port, const std::string& prefix) {
  RedisConfig config;
  config.host = "127.0.0.1";
  config.port = port;
  config.key_prefix = prefix;
  config.io_timeout_ms = 10000;
  return config;
}

void CheckOk(const Status& status, const std::string& message) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", message.c_str(), status.ToString().c_str());
  std::exit(1);
}

}  // namespace panoptes::bench
