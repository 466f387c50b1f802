#include "agent/reaper.h"

#include "agent/scripts.h"
#include "core/logging.h"
#include "redis/keys.h"

namespace panoptes::agent {

ReapStats ReapDeadWorkers(redis::Client& client, const std::string& prefix, PluginKind kind) {
  ReapStats stats;
  auto log = core::Logger("agent");
  auto members = client.Command({"SMEMBERS", redis::keys::AgentWorkers(prefix, kind)});
  if (!members.ok()) {
    log->warn("reaper: {}", members.status().ToString());
    return stats;
  }
  for (const redis::Reply& m : members->elements) {
    auto r = ReapWorker(client, prefix, kind, m.str, "crashed",
                        "the worker's agent stopped sending heartbeats (host or agent died)", true);
    if (!r.ok()) {
      log->warn("reaper: {}", r.status().ToString());
      return stats;
    }
    if (r->alive) continue;
    ++stats.dead_workers;
    stats.started += r->started;
    stats.requeued += r->requeued;
    if (r->started + r->requeued > 0) {
      log->warn("reaper: dead worker {}: {} started task(s) recorded crashed, {} requeued", m.str, r->started,
                r->requeued);
    }
  }
  return stats;
}

}  // namespace panoptes::agent
