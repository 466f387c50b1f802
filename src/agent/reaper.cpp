#include "agent/reaper.h"

#include "core/logging.h"

namespace panoptes::agent {

ReapStats ReapDeadWorkers(TaskQueue& queue) {
  ReapStats stats;
  auto log = core::Logger("agent");
  auto members = queue.Workers();
  if (!members.ok()) {
    log->warn("reaper: {}", members.status().ToString());
    return stats;
  }
  for (const std::string& id : *members) {
    // Reaped only once the run's lock ended: it did not finish within its lifetime (docs/agent.md).
    auto r = queue.Reap(id, "timeout",
                        "no finish within its lock's lifetime, and its agent stopped sending heartbeats (the "
                        "host or the agent died, or was stopped that long)",
                        true);
    if (!r.ok()) {
      log->warn("reaper: {}", r.status().ToString());
      return stats;
    }
    if (r->alive) continue;
    stats.requeued += r->requeued;
    if (r->waiting) {
      // Silent but its run's lock lives: it may be paused; its own deadline ends the run first.
      log->debug("reaper: worker {} is silent; its run keeps its lock until it ends ({} requeued)", id,
                 r->requeued);
      continue;
    }
    ++stats.dead_workers;
    stats.started += r->started;
    if (r->started + r->requeued > 0) {
      log->warn("reaper: dead worker {}: {} started task(s) recorded timeout, {} requeued", id, r->started,
                r->requeued);
    }
  }
  return stats;
}

}  // namespace panoptes::agent
