#pragma once
// The agent supervisor : forks the worker processes, watches them and serves
// /metrics. Single-threaded on one Boost.Asio io_context, and never starts a thread (it forks
// replacement workers for the life of the process, so it must stay fork-safe; it never starts
// Python either). Signals arrive through asio::signal_set:
//   SIGCHLD  reap: a started task of a dead worker is recorded `crashed` (or `timeout` when the
//            supervisor killed it for its time limit) and its lock released; a task not started is
//            requeued; the worker is restarted at once, with backoff when it keeps dying early.
//   SIGTERM/SIGINT  stop: workers stop taking tasks and finish their run within shutdown_grace_s,
//            then are killed (their runs recorded `crashed`, locks released).
//   SIGHUP   reload the site config; every worker finishes its task and is replaced by one running
//            the new config (which rescans the plugins).
// Workers report through the shared-memory worker board (board.h), which the supervisor reads every
// 50 ms: a run past its time limit is killed (SIGTERM, then SIGKILL after kill_grace_ms), and the
// prefetched task of a run lasting over 100 ms is handed back to the queue (task_queue.h, HandBack).
// A timer refreshes the workers' heartbeat keys (one pipeline, with the queue depths), checks
// worker RSS against max_worker_rss_mb, runs the reaper for other agents' dead workers and pets
// the systemd watchdog. Its Redis work goes to its Redis courier process (redis_courier.h): the
// loop never waits on Redis.

#include <string>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

struct AgentOptions {
  std::string config_path;  // re-read on SIGHUP
  SiteConfig site;
  std::vector<PluginKind> kinds;  // kinds served; `workers` processes each
  int workers = 0;                // per kind; 0: [agent] workers
  int kill_grace_ms = 2000;       // SIGTERM -> SIGKILL for a run past its time limit
};

// Runs the agent until SIGTERM/SIGINT; returns the process exit code (0 clean stop, 1 runtime
// failure such as an HTTP listener that cannot bind).
int RunAgent(const AgentOptions& options);

}  // namespace panoptes::agent
