#pragma once
// One agent worker process (issue 4 items 2-5): its own Redis connection and Python interpreter,
// created after the fork. Tasks move from P:tasks:<kind> into its own in-flight list and are
// handled one at a time: validate (dead-letter bad JSON, unknown plugin, wrong signature, wrong
// kind), guard (expiry, lock, frequency), run, finish (outputs, P:meta, lock release,
// acknowledgement). The guard of a task, the finish of the one before and the prefetch of the one
// after share one round trip (task_queue.h, Step), so a busy worker costs one round trip per task and
// an idle one three at most (BLMOVE, guard, finish). It holds at most one prefetched task beside
// the running one; the supervisor hands that one back to the queue if the run lasts long.
//
// It reports to its supervisor through its slot of the shared worker board (board.h): run start
// and time limit (for the time-limit kill), prefetch, counters. It stops when the slot's stop flag
// is set, when the supervisor dies (SIGUSR2 by PR_SET_PDEATHSIG), or after max_tasks_per_worker
// tasks; stopping, it finishes the running task and hands the prefetched one back. SIGTERM while a
// plugin runs ends the process at once (the supervisor's timeout kill); otherwise it asks for a
// stop.
//
// Single-threaded; one Worker per process (it owns the process' Interpreter).

#include <string>

#include "agent/board.h"
#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

struct WorkerOptions {
  SiteConfig site;
  PluginKind kind = PluginKind::kPolling;
  std::string worker_id;       // keys::AgentInflight etc.
  BoardSlot* board = nullptr;  // its slot of the supervisor's board; nullptr: none (reports dropped)
  int block_ms = 1000;         // BLMOVE block; below [redis] io_timeout_ms
};

// Exit codes of a worker process.
inline constexpr int kWorkerExitOk = 0;           // stopped or recycled (max tasks)
inline constexpr int kWorkerExitStartFailed = 4;  // Python or Redis setup failed
inline constexpr int kWorkerExitRedisLost = 5;    // a task's guard/finish could not reach Redis
inline constexpr int kWorkerExitKilledInRun = 6;  // SIGTERM during a plugin run

// Runs the worker in the calling (freshly forked) process until it should stop; returns the exit
// code. Installs its own SIGTERM/SIGINT handlers.
int RunWorker(const WorkerOptions& options);

}  // namespace panoptes::agent
