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
    auto r =
        queue.Reap(id, "crashed", "the worker's agent stopped sending heartbeats (host or agent died)", true);
    if (!r.ok()) {
      log->warn("reaper: {}", r.status().ToString());
      return stats;
    }
    if (r->alive) continue;
    ++stats.dead_workers;
    stats.started += r->started;
    stats.requeued += r->requeued;
    if (r->started + r->requeued > 0) {
      log->warn("reaper: dead worker {}: {} started task(s) recorded crashed, {} requeued", id, r->started,
                r->requeued);
    }
  }
  return stats;
}

}  // namespace panoptes::agent
