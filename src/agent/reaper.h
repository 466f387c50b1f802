#pragma once
// The reaper (issue 4 item 2): every agent runs it periodically. It lists the registered workers
// of a kind (P:agent:workers:<kind>) and, for each whose heartbeat key has expired, runs the reap
// script (scripts.h): a started task is recorded `crashed` and its lock released, a task not
// started goes back to the consuming end of P:tasks:<kind>. The script checks the heartbeat and
// does the work atomically, so any number of agents may reap at once: each dead worker is handled
// exactly once. Uses the caller's client: same thread rules.

#include <string>

#include "panoptes/kind.h"
#include "redis/client.h"

namespace panoptes::agent {

struct ReapStats {
  int dead_workers = 0;
  int started = 0;
  int requeued = 0;
};

// One pass. Redis errors are logged and end the pass early (the next pass retries).
ReapStats ReapDeadWorkers(redis::Client& client, const std::string& prefix, PluginKind kind);

}  // namespace panoptes::agent
