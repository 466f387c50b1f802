#include "scheduler/stats.h"

#include <chrono>

#include <spdlog/fmt/fmt.h>

namespace panoptes::scheduler {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void KindStats::ObserveLateness(int64_t ms) {
  if (ms < 0) ms = 0;
  size_t bucket = 0;
  while (bucket < kLatenessBucketsMs.size() && ms > kLatenessBucketsMs[bucket]) ++bucket;
  lateness_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  lateness_sum_ms.fetch_add(static_cast<uint64_t>(ms), std::memory_order_relaxed);
  lateness_count.fetch_add(1, std::memory_order_relaxed);
}

namespace {

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

template <typename Get>
void PerKind(std::string& out, const Stats& stats, unsigned mask, const char* name, const char* type,
             const char* help, Get get) {
  Family(out, name, type, help);
  for (PluginKind kind : kAllKinds) {
    if (mask & (1u << KindIndex(kind))) {
      out += fmt::format("{}{{kind=\"{}\"}} {}\n", name, KindName(kind), get(stats.Kind(kind)));
    }
  }
}

void Lateness(std::string& out, const Stats& stats, unsigned mask) {
  const char* name = "panoptes_scheduler_lateness_seconds";
  Family(out, name, "histogram", "Push time minus due time of each task");
  for (PluginKind kind : kAllKinds) {
    if (!(mask & (1u << KindIndex(kind)))) continue;
    const KindStats& k = stats.Kind(kind);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kLatenessBucketsMs.size(); ++i) {
      cumulative += k.lateness_buckets[i].load();
      std::string le =
          i < kLatenessBucketsMs.size() ? fmt::format("{}", kLatenessBucketsMs[i] / 1000.0) : "+Inf";
      out += fmt::format("{}_bucket{{kind=\"{}\",le=\"{}\"}} {}\n", name, KindName(kind), le, cumulative);
    }
    out += fmt::format("{}_sum{{kind=\"{}\"}} {}\n", name, KindName(kind), k.lateness_sum_ms.load() / 1000.0);
    out += fmt::format("{}_count{{kind=\"{}\"}} {}\n", name, KindName(kind), k.lateness_count.load());
  }
}

}  // namespace

std::string RenderPrometheus(const Stats& stats, unsigned mask) {
  std::string out;
  PerKind(out, stats, mask, "panoptes_scheduler_leader", "gauge", "1 while this scheduler leads the kind",
          [](const KindStats& k) { return k.leader.load() ? 1 : 0; });
  PerKind(out, stats, mask, "panoptes_scheduler_leader_acquired_total", "counter",
          "Times leadership was taken", [](const KindStats& k) { return k.leader_changes.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_tasks_enqueued_total", "counter",
          "Tasks pushed onto P:tasks:<kind>", [](const KindStats& k) { return k.tasks_enqueued.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_dispatch_errors_total", "counter", "Failed dispatch calls",
          [](const KindStats& k) { return k.dispatch_errors.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_entries", "gauge", "Schedule entries after the last rebuild",
          [](const KindStats& k) { return k.entries.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_plugins", "gauge", "Plugins loaded at the last scan",
          [](const KindStats& k) { return k.plugins_ok.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_plugins_rejected", "gauge",
          "Plugins rejected at the last scan", [](const KindStats& k) { return k.plugins_failed.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_resources", "gauge", "Resources read from the resource store",
          [](const KindStats& k) { return k.resources.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_scans_total", "counter", "Plugin scans",
          [](const KindStats& k) { return k.scans.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_rebuilds_total", "counter", "Schedule rebuilds",
          [](const KindStats& k) { return k.rebuilds.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_rebuild_errors_total", "counter", "Failed schedule rebuilds",
          [](const KindStats& k) { return k.rebuild_errors.load(); });
  PerKind(out, stats, mask, "panoptes_scheduler_last_rebuild_seconds", "gauge",
          "Duration of the last rebuild",
          [](const KindStats& k) { return k.last_rebuild_ms.load() / 1000.0; });
  Lateness(out, stats, mask);
  return out;
}

}  // namespace panoptes::scheduler
