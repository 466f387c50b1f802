#pragma once
// The agent's /metrics (docs/architecture.md): task outcomes, skips, expiries, dead letters, run durations,
// task start lateness (Redis server time at the guard minus the task's scheduled_for), queue
// depths, workers and restarts. Label sets are created up front so that every series shows 0.
// Used on the supervisor's single thread (the registry itself is thread-safe).

#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/board.h"
#include "agent/task_queue.h"
#include "http/metrics.h"
#include "panoptes/kind.h"

namespace panoptes::agent {

// A plain copy of a board slot's counters: what has been folded into the metrics so far.
struct BoardCounts {
  std::array<uint64_t, kRunOutcomes.size()> executed{};
  std::array<uint64_t, kSkipReasons.size()> skipped{};
  std::array<uint64_t, kDeadletterReasons.size()> deadlettered{};
  uint64_t expired = 0;
  uint64_t finish_refused = 0;
  uint64_t lock_lost = 0;
  std::array<uint64_t, kRateOutcomes.size()> rates{};
  std::array<uint64_t, kBoardBuckets> duration{};
  std::array<uint64_t, kBoardBuckets> lateness{};
  uint64_t duration_sum_us = 0;
  uint64_t lateness_sum_us = 0;
};

class AgentMetrics {
 public:
  AgentMetrics();
  // Adds what a worker counted in its board slot since `seen`, and updates `seen`. Covers the
  // outcomes ok, empty, error with run durations and start lateness, the guard's skips (locked,
  // too soon, cached), expiries and dead letters (reason).
  void Fold(PluginKind kind, const BoardSlot& slot, BoardCounts& seen);
  void Finished(PluginKind kind, const std::string& outcome);  // timeout/crashed (no duration known)
  void HandedBack(PluginKind kind);                            // a prefetched task, during a long run
  void WorkerRestarted(PluginKind kind, const std::string& reason);
  void Requeued(PluginKind kind, int n);
  void SetQueueDepth(PluginKind kind, int64_t pending, int64_t deadletters);
  void SetWorkersAlive(PluginKind kind, int n);
  // The quarantined and stale pairs per plugin, as HealthReport read them: every plugin seen
  // before and absent now is set to 0.
  void SetHealth(PluginKind kind, const std::vector<PluginHealth>& rows);

  std::string Render() const { return registry_.Render(); }
  http::Registry& registry() { return registry_; }

 private:
  http::Counter& Tasks(PluginKind kind, const std::string& outcome);

  http::Registry registry_;
  std::map<PluginKind, std::set<std::string>> health_seen_;  // plugins with health series
};

}  // namespace panoptes::agent
