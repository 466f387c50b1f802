#pragma once
// The agent's Lua scripts (docs/redis.md, "Agent"), all timed with the Redis server's TIME. Pure
// data plus argument builders; thread-safe.
//
// A worker's in-flight list (P:agent:inflight:<w>) holds at most the task it runs (at the tail, and
// then the running hash P:agent:running:<w> names its lock, meta key and token) and one prefetched
// task (at the head): tasks enter at the head (LMOVE/BLMOVE RIGHT LEFT) and are guarded, run and
// acknowledged at the tail, so the tail is always the oldest task not yet handled.
//
// - Step: one round trip that does up to three things, in order, atomically:
//   finish: the running task's outputs, P:meta, lock release (if the token still owns it),
//           acknowledgement (RPOP) — only if the running hash still carries its token, so a step
//           retried after a lost reply does not finish twice;
//   guard:  for the task now at the tail (checked against its raw text: the supervisor may have
//           handed it back, verdict "gone"): expiry, lock, frequency and results-cache guard; on
//           "run" it takes the lock with a unique token, sets last_executed, fills the running hash
//           and returns the preloaded enrichment values; on a skip it acknowledges the task; a
//           retried step whose guard already ran answers "run" again;
//   take:   makes sure one unguarded task is in flight: returns the one there (a retry, or a
//           BLMOVE whose reply was lost) or moves one from the queue (LMOVE, non-blocking); or,
//           when the worker stops, hands the unguarded tasks in flight back to the queue.
//   In a busy queue a task thus costs one round trip (its guard, the previous task's finish and
//   the next task's prefetch share it); three at most (BLMOVE, guard+take, finish+take).
// - HandBack: the supervisor's: moves a worker's prefetched task back to the consuming end of the
//   queue while its run lasts long, so that it does not wait behind that run.
// - Reap: hands back the tasks of a dead worker: a started task (running hash present) is recorded
//   with the given status (`crashed`/`timeout`) and its lock released; the others are requeued at
//   the consuming end of the queue, oldest first. Safe to run concurrently from several agents.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::agent {

inline constexpr int kMetaTtlSeconds = 7 * 24 * 3600;

const redis::Script& StepScript();
const redis::Script& HandBackScript();
const redis::Script& ReapScript();

// One output write of the finish part.
struct OutputWrite {
  std::string key;
  bool stream = false;  // XADD key MAXLEN ~ maxlen * data <data>; else SET key data EX ttl_s
  int ttl_s = 0;
  std::string data;
};

struct FinishPart {
  std::string lock;
  std::string meta;
  std::string token;   // the guard's token
  std::string status;  // ok, empty, error
  int64_t duration_ms = 0;
  std::string error;
  bool stored = false;  // a non-empty result was stored: set last_results
  std::vector<OutputWrite> outputs;
};

struct GuardPart {
  std::string raw;  // the task's text: it must be the in-flight list's tail
  std::string lock;
  std::string meta;
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

struct StepKeys {
  std::string inflight;
  std::string running;
  std::string queue;
};

// What the step does after finish and guard.
enum class StepNext {
  kNone,
  kTake,      // make sure one unguarded task is in flight (returned as `taken`)
  kHandBack,  // stopping: move the unguarded tasks in flight back to the queue
};

struct StepRequest {
  std::optional<FinishPart> finish;
  std::optional<GuardPart> guard;
  StepNext next = StepNext::kNone;
  int metrics_maxlen = 100000;
};

struct StepReply {
  bool finished = false;  // the finish part ran (false: nothing to finish, or a retry)
  // With a guard part: "run", "locked", "too soon", "cached", "expired" or "gone"; else empty.
  std::string verdict;
  double now = 0;                                   // Redis server time
  std::optional<std::string> taken;                 // with take: the unguarded task in flight
  std::vector<std::optional<std::string>> preload;  // one per preload key, on "run"
};

Result<StepReply> RunStep(redis::Client& client, const StepKeys& keys, const StepRequest& req);

// A task's time limit in seconds: its own when set, else its plugin's.
double TimeLimit(const Task& task, const PluginInfo& info);
// The (resource id, namespace) of each [enrichment] preload of `info` for `task`, in order.
std::vector<std::pair<std::string, std::string>> PreloadIds(const PluginInfo& info, const Task& task);
// The guard part of `task` (its text `raw`) for plugin `info`, as a worker sends it: lock and meta
// keys, a lock TTL of the time limit + 30 s, the plugin's frequency, cache age and code mtime, the
// task's expiry, and the P:enrichment keys of its preloads.
GuardPart MakeGuardPart(const std::string& prefix, const PluginInfo& info, const Task& task, std::string raw,
                        std::string token, int skew);

// Moves worker_id's prefetched task (if it holds one besides a running task) back to the queue.
Result<bool> HandBackPrefetched(redis::Client& client, const std::string& prefix, PluginKind kind,
                                const std::string& worker_id);

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
