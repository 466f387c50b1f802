#include "agent/agent_metrics.h"

namespace panoptes::agent {
namespace {

constexpr const char* kTasks = "panoptes_agent_tasks_total";
constexpr const char* kTasksHelp = "Tasks executed, by outcome (ok, empty, error, timeout, crashed).";
constexpr const char* kSkipped = "panoptes_agent_tasks_skipped_total";
constexpr const char* kSkippedHelp = "Tasks skipped by the guard (locked, too soon, cached).";
constexpr const char* kDuration = "panoptes_agent_run_duration_seconds";
constexpr const char* kLateness = "panoptes_agent_task_start_lateness_seconds";

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
    for (const char* r : {"locked", "too soon", "cached"})
      registry_.AddCounter(kSkipped, kSkippedHelp, K(kind, "reason", r));
  }
}

http::Counter& AgentMetrics::Tasks(PluginKind kind, const std::string& outcome) {
  return registry_.AddCounter(kTasks, kTasksHelp, K(kind, "outcome", outcome));
}

void AgentMetrics::Executed(PluginKind kind, const std::string& outcome, double duration_s,
                            double lateness_s) {
  Tasks(kind, outcome).Inc();
  registry_.AddHistogram(kDuration, "Plugin run durations.", http::DurationBuckets(), K(kind))
      .Observe(duration_s);
  registry_
      .AddHistogram(kLateness, "Plugin start (Redis time at the guard) minus the task's scheduled_for.",
                    http::DurationBuckets(), K(kind))
      .Observe(lateness_s);
}

void AgentMetrics::Finished(PluginKind kind, const std::string& outcome) {
  Tasks(kind, outcome).Inc();
}

void AgentMetrics::Skipped(PluginKind kind, const std::string& reason) {
  registry_.AddCounter(kSkipped, kSkippedHelp, K(kind, "reason", reason)).Inc();
}

void AgentMetrics::Expired(PluginKind kind) {
  registry_.AddCounter("panoptes_agent_tasks_expired_total", "Tasks dropped past expires_at.", K(kind)).Inc();
}

void AgentMetrics::DeadLettered(PluginKind kind, const std::string& reason) {
  registry_
      .AddCounter("panoptes_agent_tasks_deadlettered_total", "Tasks sent to P:deadletter:<kind>.",
                  K(kind, "reason", reason))
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

}  // namespace panoptes::agent
