#pragma once
// One agent worker process: what a forked child runs. It sets up what the worker's logic
// (worker_core.h, the state machine over the task queue) needs in a process: its own Redis
// connection (RedisTaskQueue), its embedded Python interpreter (the plugin runner), the plugin
// catalog of its kind (plugin_catalog.h) and its signal handlers, then runs the logic until it
// exits and maps how it ended to the process exit code.
//
// It reports to its supervisor through its slot of the shared worker board (board.h). It stops
// when the slot's stop flag is set, when the supervisor dies (SIGUSR2 by PR_SET_PDEATHSIG), or
// after max_tasks_per_worker tasks; stopping, it finishes the running task and hands the prefetched
// one back. SIGTERM while a plugin runs ends the process at once (the supervisor's time-limit
// kill); otherwise it asks for a stop.
//
// Single-threaded; one worker per process (it owns the process' Interpreter).

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
inline constexpr int kWorkerExitRedisLost = 5;    // a task's step failed past its retries: reaped
inline constexpr int kWorkerExitKilledInRun = 6;  // SIGTERM during a plugin run

// Runs the worker in the calling (freshly forked) process until it should stop; returns the exit
// code. Installs its own SIGTERM/SIGINT handlers.
int RunWorker(const WorkerOptions& options);

}  // namespace panoptes::agent
