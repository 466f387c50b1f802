#pragma once
// The agent's Lua scripts (docs/redis.md, "Agent"), one Redis round trip each, all timed with the
// Redis server's TIME. Pure data plus argument builders; thread-safe.
//
// - Guard: expiry check, lock and frequency guard in one atomic step (issue 4 item 3). On a skip it
//   also acknowledges the task (deletes the worker's in-flight list) so that a skipped task costs
//   two round trips. On "run" it takes the lock with a unique token, sets last_executed, records
//   the run in the worker's running hash (what a reaper needs to release the lock and record
//   `crashed`) and returns the preloaded enrichment values.
// - Finish: stores the outputs, updates P:meta, releases the lock if the token still owns it, and
//   acknowledges the task.
// - Reap: hands back the tasks of a dead worker: a started task (running hash present) is recorded
//   with the given status (`crashed`/`timeout`) and its lock released; a task not yet started is
//   requeued at the consuming end of its queue. Safe to run concurrently from several agents.

#include <optional>
#include <string>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::agent {

inline constexpr int kMetaTtlSeconds = 7 * 24 * 3600;

const redis::Script& GuardScript();
const redis::Script& FinishScript();
const redis::Script& ReapScript();

// Identity of one plugin run.
struct RunKeys {
  std::string lock;
  std::string meta;
  std::string running;
  std::string inflight;
};

struct GuardRequest {
  std::string token;
  int64_t lock_ttl_ms = 0;
  int execute_frequency = 0;
  int skew = 0;
  int results_cache_age = 0;
  double code_mtime = 0;  // max(plugin file, module) mtime, epoch seconds
  double expires_at = 0;
  std::string task_id;
  std::string plugin;                     // Name, recorded in P:meta (panoptes-ctl last-runs)
  std::string resource_id;                // empty for discovery; recorded in P:meta
  std::vector<std::string> preload_keys;  // P:enrichment:<id>:<ns> keys to fetch
};

struct GuardDecision {
  // "run", "locked", "too soon", "cached" (results_cache_age), "expired".
  std::string verdict;
  double now = 0;                                   // Redis server time
  std::vector<std::optional<std::string>> preload;  // one per preload key, on "run"
};

Result<GuardDecision> RunGuard(redis::Client& client, const RunKeys& keys, const GuardRequest& req);

// One output write of the finish step.
struct OutputWrite {
  std::string key;
  bool stream = false;  // XADD key MAXLEN ~ maxlen * data <data>; else SET key data EX ttl_s
  int ttl_s = 0;
  std::string data;
};

struct FinishRequest {
  std::string token;
  std::string status;  // ok, empty, error
  int64_t duration_ms = 0;
  std::string error;
  bool stored = false;  // a non-empty result was stored: set last_results
  int metrics_maxlen = 100000;
  std::vector<OutputWrite> outputs;
};

Status RunFinish(redis::Client& client, const RunKeys& keys, const FinishRequest& req);

struct ReapResult {
  bool alive = false;  // only with check_heartbeat: the worker's heartbeat exists, nothing done
  int started = 0;     // started tasks recorded with the status
  int requeued = 0;    // tasks pushed back onto the queue
};

// REQUIRES: the worker served `kind`. `check_heartbeat`: do nothing while its heartbeat key lives
// (other agents' reapers); false when the caller knows the worker is dead (its own supervisor).
Result<ReapResult> ReapWorker(redis::Client& client, const std::string& prefix, PluginKind kind,
                              const std::string& worker_id, const std::string& status,
                              const std::string& error, bool check_heartbeat);

}  // namespace panoptes::agent
