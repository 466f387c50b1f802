#pragma once
// One agent worker process (issue 4 item 2-5): its own Redis connection and Python interpreter,
// created after the fork. It moves one task at a time from P:tasks:<kind> into its own in-flight
// list (BLMOVE RIGHT LEFT) and handles it: validate (dead-letter bad JSON, unknown plugin, wrong
// signature, wrong kind), then the guard script (expiry, lock, frequency), the plugin run, and the
// finish script (outputs, P:meta, lock release, acknowledgement). Three round trips per executed
// task (four for discovery: the resource store's own script).
//
// It tells its supervisor over `control_fd` when a run starts (so the supervisor can enforce the
// time limit) and how tasks ended (metrics), and stops when the supervisor says "S", when the
// supervisor's end of the socket closes, or after max_tasks_per_worker tasks. SIGTERM while a
// plugin runs ends the process at once (the supervisor's timeout kill); otherwise it asks for a stop.
//
// Single-threaded; one Worker per process (it owns the process' Interpreter).

#include <string>

#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

struct WorkerOptions {
  SiteConfig site;
  PluginKind kind = PluginKind::kPolling;
  std::string worker_id;  // keys::AgentInflight etc.
  int control_fd = -1;    // socket to the supervisor; -1: none (messages dropped)
  int block_ms = 1000;    // BLMOVE block; below [redis] io_timeout_ms
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
