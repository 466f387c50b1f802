#pragma once
// The reaper: every agent runs it periodically. It lists the registered workers of a kind and
// reaps each whose heartbeat has expired (TaskQueue::Reap with check_heartbeat): a started task is
// recorded `timeout` and its lock released once that lock has ended (until then the worker may
// only be paused, and its own deadline ends the run before the lock does); a task not started goes
// back to the consuming end of the queue at once. The queue checks the heartbeat and does the work
// atomically, so any number of agents may reap at once: each dead worker is handled exactly once. Uses the
// caller's queue: same thread rules.

#include "agent/task_queue.h"

namespace panoptes::agent {

struct ReapStats {
  int dead_workers = 0;
  int started = 0;
  int requeued = 0;
};

// One pass. Queue errors are logged and end the pass early (the next pass retries).
ReapStats ReapDeadWorkers(TaskQueue& queue);

}  // namespace panoptes::agent
