#include "agent/agent_metrics.h"

namespace panoptes::agent {
namespace {

constexpr const char* kTasks = "panoptes_agent_tasks_total";
constexpr const char* kTasksHelp = "Tasks executed, by outcome (ok, empty, error, timeout, crashed).";
constexpr const char* kSkipped = "panoptes_agent_tasks_skipped_total";
constexpr const char* kSkippedHelp = "Tasks skipped by the guard (locked, too soon, cached, quarantined).";
constexpr const char* kDuration = "panoptes_agent_run_duration_seconds";
constexpr const char* kDurationHelp = "Plugin run durations.";
constexpr const char* kLateness = "panoptes_agent_task_start_lateness_seconds";
constexpr const char* kLatenessHelp =
    "Plugin start (Redis time at the guard) minus the task's scheduled_for.";
constexpr const char* kExpired = "panoptes_agent_tasks_expired_total";
constexpr const char* kExpiredHelp = "Tasks dropped past expires_at.";
constexpr const char* kRefused = "panoptes_agent_finish_refused_total";
constexpr const char* kRefusedHelp =
    "Runs whose results were dropped because the run had been reaped meanwhile (taken for dead).";
constexpr const char* kLockLost = "panoptes_agent_lock_lost_total";
constexpr const char* kLockLostHelp =
    "Runs that found their lock gone at their finish (its lifetime ran out, or Redis lost it).";
constexpr const char* kRates = "panoptes_agent_rates_total";
constexpr const char* kRatesHelp =
    "[transforms] rates computed, or skipped (no previous, bad time, gap, decreased).";

http::Labels K(PluginKind kind) {
  return {{"kind", std::string(KindName(kind))}};
}
http::Labels K(PluginKind kind, const std::string& label, const std::string& value) {
  http::Labels l = K(kind);
  l[label] = value;
  return l;
}

}  // namespace

AgentMetrics::AgentMetrics() {
  for (PluginKind kind : kAllKinds) {
    for (const char* o : {"ok", "empty", "error", "timeout", "crashed"}) Tasks(kind, o);
    for (const char* r : kSkipReasons) registry_.AddCounter(kSkipped, kSkippedHelp, K(kind, "reason", r));
    registry_.AddCounter(kExpired, kExpiredHelp, K(kind));
    registry_.AddCounter(kRefused, kRefusedHelp, K(kind));
    registry_.AddCounter(kLockLost, kLockLostHelp, K(kind));
    if (kind == PluginKind::kPolling) {
      for (const char* o : kRateOutcomes) registry_.AddCounter(kRates, kRatesHelp, K(kind, "outcome", o));
    }
    registry_.AddHistogram(kDuration, kDurationHelp, BoardBucketBounds(), K(kind));
    registry_.AddHistogram(kLateness, kLatenessHelp, BoardBucketBounds(), K(kind));
  }
}

http::Counter& AgentMetrics::Tasks(PluginKind kind, const std::string& outcome) {
  return registry_.AddCounter(kTasks, kTasksHelp, K(kind, "outcome", outcome));
}

namespace {

// Adds the growth of `now` over `seen` to `counter` and remembers `now`.
void Grow(http::Counter& counter, uint64_t now, uint64_t& seen) {
  if (now > seen) counter.Inc(static_cast<double>(now - seen));
  seen = now;
}

void GrowHistogram(http::Histogram& h, const BoardHistogram& slot, std::array<uint64_t, kBoardBuckets>& seen,
                   uint64_t& seen_sum_us) {
  std::vector<uint64_t> delta(kBoardBuckets);
  bool any = false;
  for (size_t i = 0; i < kBoardBuckets; ++i) {
    uint64_t now = slot.buckets[i].load(std::memory_order_relaxed);
    delta[i] = now > seen[i] ? now - seen[i] : 0;
    any = any || delta[i] > 0;
    seen[i] = now;
  }
  uint64_t sum = slot.sum_us.load(std::memory_order_relaxed);
  double sum_delta = sum > seen_sum_us ? static_cast<double>(sum - seen_sum_us) / 1e6 : 0;
  seen_sum_us = sum;
  if (any) h.AddCounts(delta, sum_delta);
}

}  // namespace

void AgentMetrics::Fold(PluginKind kind, const BoardSlot& slot, BoardCounts& seen) {
  for (size_t i = 0; i < kRunOutcomes.size(); ++i) {
    Grow(Tasks(kind, kRunOutcomes[i]), slot.executed[i].load(std::memory_order_relaxed), seen.executed[i]);
  }
  for (size_t i = 0; i < kSkipReasons.size(); ++i) {
    Grow(registry_.AddCounter(kSkipped, kSkippedHelp, K(kind, "reason", kSkipReasons[i])),
         slot.skipped[i].load(std::memory_order_relaxed), seen.skipped[i]);
  }
  for (size_t i = 0; i < kDeadletterReasons.size(); ++i) {
    uint64_t now = slot.deadlettered[i].load(std::memory_order_relaxed);
    if (now == seen.deadlettered[i]) continue;  // reasons appear once they happen
    Grow(registry_.AddCounter("panoptes_agent_tasks_deadlettered_total", "Tasks sent to P:deadletter:<kind>.",
                              K(kind, "reason", kDeadletterReasons[i])),
         now, seen.deadlettered[i]);
  }
  Grow(registry_.AddCounter(kExpired, kExpiredHelp, K(kind)), slot.expired.load(std::memory_order_relaxed),
       seen.expired);
  Grow(registry_.AddCounter(kRefused, kRefusedHelp, K(kind)),
       slot.finish_refused.load(std::memory_order_relaxed), seen.finish_refused);
  Grow(registry_.AddCounter(kLockLost, kLockLostHelp, K(kind)),
       slot.lock_lost.load(std::memory_order_relaxed), seen.lock_lost);
  for (size_t i = 0; i < kRateOutcomes.size(); ++i) {
    uint64_t now = slot.rates[i].load(std::memory_order_relaxed);
    if (now == seen.rates[i]) continue;
    Grow(registry_.AddCounter(kRates, kRatesHelp, K(kind, "outcome", kRateOutcomes[i])), now, seen.rates[i]);
  }
  GrowHistogram(registry_.AddHistogram(kDuration, kDurationHelp, BoardBucketBounds(), K(kind)), slot.duration,
                seen.duration, seen.duration_sum_us);
  GrowHistogram(registry_.AddHistogram(kLateness, kLatenessHelp, BoardBucketBounds(), K(kind)), slot.lateness,
                seen.lateness, seen.lateness_sum_us);
}

void AgentMetrics::Finished(PluginKind kind, const std::string& outcome) {
  Tasks(kind, outcome).Inc();
}

void AgentMetrics::HandedBack(PluginKind kind) {
  registry_
      .AddCounter("panoptes_agent_prefetch_handed_back_total",
                  "Prefetched tasks put back on the queue because the run before them lasted long.", K(kind))
      .Inc();
}

void AgentMetrics::WorkerRestarted(PluginKind kind, const std::string& reason) {
  registry_
      .AddCounter("panoptes_agent_worker_restarts_total", "Worker processes restarted, by reason.",
                  K(kind, "reason", reason))
      .Inc();
}

void AgentMetrics::Requeued(PluginKind kind, int n) {
  registry_
      .AddCounter("panoptes_agent_tasks_requeued_total", "Tasks of dead workers put back on the queue.",
                  K(kind))
      .Inc(n);
}

void AgentMetrics::SetQueueDepth(PluginKind kind, int64_t pending, int64_t deadletters) {
  registry_.AddGauge("panoptes_agent_queue_depth", "Tasks waiting on P:tasks:<kind>.", K(kind))
      .Set(static_cast<double>(pending));
  registry_.AddGauge("panoptes_agent_deadletter_depth", "Entries on P:deadletter:<kind>.", K(kind))
      .Set(static_cast<double>(deadletters));
}

void AgentMetrics::SetWorkersAlive(PluginKind kind, int n) {
  registry_.AddGauge("panoptes_agent_workers_alive", "Worker processes running.", K(kind)).Set(n);
}

void AgentMetrics::SetHealth(PluginKind kind, const std::vector<PluginHealth>& rows) {
  std::set<std::string>& seen = health_seen_[kind];
  std::map<std::string, PluginHealth> now;
  for (const std::string& plugin : seen) now[plugin].plugin = plugin;
  for (const PluginHealth& row : rows) {
    now[row.plugin] = row;
    seen.insert(row.plugin);
  }
  for (const auto& [plugin, row] : now) {
    http::Labels l = K(kind, "plugin", plugin);
    registry_
        .AddGauge("panoptes_agent_quarantined_pairs",
                  "Plugin/resource pairs in quarantine (failed quarantine_after times in a row), by plugin "
                  "(normalized name).",
                  l)
        .Set(static_cast<double>(row.quarantined_pairs));
    registry_
        .AddGauge("panoptes_agent_plugin_quarantined",
                  "1 while the whole plugin is in quarantine (its import crashed a worker).", l)
        .Set(row.quarantined ? 1 : 0);
    registry_
        .AddGauge("panoptes_agent_stale_pairs",
                  "Plugin/resource pairs without an ok result for stale_after_cycles x execute_frequency, by "
                  "plugin (normalized name).",
                  l)
        .Set(static_cast<double>(row.stale_pairs));
  }
}

}  // namespace panoptes::agent
