#pragma once
// One agent worker process: what a child forked by the zygote (zygote.h) runs. It sets up what the
// worker's logic (worker_core.h, the state machine over the task queue) needs in a process: its own
// Redis connection (RedisTaskQueue), the plugin runner over the embedded Python it inherited from
// the zygote, the zygote's plugin catalog of its kind (plugin_catalog.h) and its signal handlers,
// then runs the logic until it exits and maps how it ended to the process exit code.
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
#include "agent/plugin_catalog.h"
#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::python {
class PluginHost;
}

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

// The BLMOVE block of a worker: below the I/O timeout, at most a second.
inline int BlockMsOf(const SiteConfig& site) {
  return site.redis.io_timeout_ms / 2 < 1000 ? site.redis.io_timeout_ms / 2 : 1000;
}

// Runs the worker in the calling (freshly forked) process until it should stop; returns the exit
// code. Installs its own SIGTERM/SIGINT/SIGUSR2 handlers. `host` and `plugins`: the zygote's,
// inherited by the fork (`plugins` of options.kind).
int RunWorker(const WorkerOptions& options, python::PluginHost& host, FilePluginCatalog& plugins);

}  // namespace panoptes::agent
