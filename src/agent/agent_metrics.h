#pragma once
// The agent's /metrics (SPEC §9): task outcomes, skips, expiries, dead letters, run durations,
// task start lateness (Redis server time at the guard minus the task's scheduled_for), queue
// depths, workers and restarts. Label sets are created up front so that every series shows 0.
// Used on the supervisor's single thread (the registry itself is thread-safe).

#include <array>
#include <map>
#include <string>

#include "http/metrics.h"
#include "panoptes/kind.h"

namespace panoptes::agent {

class AgentMetrics {
 public:
  AgentMetrics();
  // Outcome of an executed task: ok, empty, error, timeout, crashed.
  void Executed(PluginKind kind, const std::string& outcome, double duration_s, double lateness_s);
  void Finished(PluginKind kind, const std::string& outcome);  // timeout/crashed (no duration known)
  void Skipped(PluginKind kind, const std::string& reason);    // locked, too soon, cached
  void Expired(PluginKind kind);
  void DeadLettered(PluginKind kind, const std::string& reason);
  void WorkerRestarted(PluginKind kind, const std::string& reason);
  void Requeued(PluginKind kind, int n);
  void SetQueueDepth(PluginKind kind, int64_t pending, int64_t deadletters);
  void SetWorkersAlive(PluginKind kind, int n);

  std::string Render() const { return registry_.Render(); }
  http::Registry& registry() { return registry_; }

 private:
  http::Counter& Tasks(PluginKind kind, const std::string& outcome);

  http::Registry registry_;
};

}  // namespace panoptes::agent
