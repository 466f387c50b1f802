#pragma once
// The task queue as the agent sees it: every operation the agent's processes do on the shared
// queue state, behind one interface so that the worker and the supervisor can be tested without
// Redis. Implementations: RedisTaskQueue (redis_task_queue.h: Lua scripts, one round trip per
// call), MemoryTaskQueue (memory_task_queue.h: the same semantics in memory, for unit tests) and
// FaultyTaskQueue (faulty_task_queue.h: injects failures and lost replies). One contract test
// suite (tests/support/task_queue_contract.h) runs against the first two.
//
// The state, per plugin kind: the queue of tasks (raw JSON texts; consumed at its right end), the
// dead-letter list, the set of registered workers, and per worker a heartbeat (with a TTL), an
// in-flight list and a running record. A worker's in-flight list holds at most the task it runs
// (at the tail; the running record then names its lock, meta key and guard token) and one
// prefetched task (at the head): tasks enter at the head and are guarded, run and acknowledged at
// the tail, so the tail is always the oldest task not yet handled. Per plugin/resource pair there
// is a lock (owned by a token, with a lifetime) and a meta record (last_executed, last_status...).
// Times are the queue's own clock (the Redis server's TIME), in epoch seconds.
//
// Every call is atomic: it applies entirely or not at all. A failed call (Status not ok) may
// still have been applied when the failure was the loss of its reply (kUnavailable/kIOError);
// each call is safe to retry with the same arguments, see Step.
//
// Thread safety: an instance is used by one thread (the Redis one wraps one connection).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::agent {

// How long a task's meta record lives after its last run, at least: a run that finds less than
// this left of its TTL sets it to this plus kMetaTtlRenewSeconds (and its `expires_at` field to
// when that ends), so a pair's TTL is renewed about once a day, not at every run.
inline constexpr int kMetaTtlSeconds = 7 * 24 * 3600;
inline constexpr int kMetaTtlRenewSeconds = 24 * 3600;

// Quarantine and freshness of the plugin/resource pair a part is about (docs/agent.md,
// "Quarantine and freshness"). With an empty `entry` the queue does neither for the part.
struct HealthPart {
  std::string entry;              // the schedule entry id "<normalized_name>:<signature>"
  std::string plugin_quarantine;  // redis::keys::PluginQuarantine of the pair's plugin
  int quarantine_after = 0;       // [agent] quarantine_after: failures in a row; 0: never quarantine
  int backoff_max_s = 3600;       // [agent] quarantine_backoff_max_s: the longest quarantine
  int frequency = 0;              // execute_frequency: the first quarantine lasts twice this
  int stale_after_s = 0;          // [agent] stale_after_cycles x frequency: no ok result this long
};

// One output write of a finished run.
struct OutputWrite {
  std::string key;
  bool stream = false;  // append {data: data} to the stream `key` (capped at metrics_maxlen); else
  int ttl_s = 0;        // set `key` to data for ttl_s seconds (at least 1)
  std::string data;
};

// The finish part of a step: what the run of the task at the tail produced. Applied only when the
// running record still carries `token` (so a retried step does not finish twice): writes the
// outputs, records the run in `meta` (last_executed becomes `started` unless a later stamp is
// there), releases `lock` if `token` still owns it (else the reply says lock_lost), acknowledges
// the task (removes the tail) and clears the running record. With `health`: an ok run sets
// last_ok and the pair's freshness deadline, any other outcome enters the pair into the freshness
// set if it is not there; ok or empty ends the pair's (and its plugin's) quarantine and failure
// count; error adds a failure, and `quarantine_after` failures in a row quarantine the pair for
// frequency x 2^(failures - quarantine_after + 1) s, at most backoff_max_s.
struct FinishPart {
  std::string lock;
  std::string meta;
  std::string token;   // the guard's token
  std::string status;  // ok, empty, error
  int64_t duration_ms = 0;
  std::string error;
  bool stored = false;  // a non-empty result was stored: set last_results to now
  std::vector<OutputWrite> outputs;
  double started = 0;  // the plugin's start on the queue's clock (0: unknown, keep the guard's)
  HealthPart health;   // the run's guard part's (the running record holds it: a step whose guard
                       // runs a pair of the same policy right after this finish leaves it there)
};

// The guard part of a step: may the task at the tail run now?
struct GuardPart {
  std::string raw;  // the task's text: it must be the in-flight list's tail
  std::string lock;
  std::string meta;
  std::string token;  // unique per guard: owns the lock when the verdict is kRun
  int64_t lock_ttl_ms = 0;
  int execute_frequency = 0;
  int skew = 0;
  int results_cache_age = 0;
  double code_mtime = 0;  // max(plugin file, module) mtime, epoch seconds
  double expires_at = 0;
  std::string task_id;
  std::string plugin;                     // Name, recorded in meta (panoptes-ctl last-runs)
  std::string resource_id;                // empty for discovery; recorded in meta
  std::vector<std::string> preload_keys;  // enrichment keys whose values come back on kRun
  double scheduled_for = 0;               // the task's (0: none): recorded as last_scheduled
  HealthPart health;  // quarantine verdict; on kRun the running record keeps it (for a reaper)
};

// The guard's answer, checked in this order.
enum class Verdict {
  kGone,         // the tail is not this task (handed back by the supervisor) or another one runs
  kExpired,      // now > expires_at
  kLocked,       // another run holds the lock
  kQuarantined,  // the pair's quarantine (or its whole plugin's) lasts, and the code did not
                 // change since the run that caused it
  kTooSoon,      // the pair ran too recently (docs/agent.md, "The frequency guard": with both
                 // scheduled times known, the task's period is not after the last run's, or
                 // last_executed + frequency / 2 > now + skew; else last_executed + frequency >
                 // now + skew), and the code did not change since
  kCached,       // last_results + results_cache_age > now + skew, and the code did not change since
  kRun,          // lock taken with the token, last_executed = now and last_scheduled =
                 // scheduled_for (a reservation: the finish stamps the start), running record set
};
// "gone", "expired", "locked", "quarantined", "too soon", "cached", "run" (the names in metrics and logs).
std::string_view VerdictName(Verdict v);
std::optional<Verdict> ParseVerdict(std::string_view name);

// What a step does after its finish and guard parts.
enum class StepNext {
  kNone,
  kTake,      // make sure one unguarded task is in flight, returned as `taken`: the one there
              // already (a retried step, a lost Take reply) or one moved from the queue
  kHandBack,  // stopping: when nothing runs, move the unguarded tasks in flight back to the queue
};

struct StepRequest {
  std::optional<FinishPart> finish;
  std::optional<GuardPart> guard;
  StepNext next = StepNext::kNone;
  int metrics_maxlen = 100000;
};

struct StepReply {
  bool finished = false;             // the finish part applied (false: nothing to finish, a retry,
                                     // or the run's record is gone: reaped meanwhile)
  bool lock_lost = false;            // it applied, but the lock was no longer the run's own
  std::optional<Verdict> verdict;    // with a guard part. A retried guard that ran answers kRun
  double now = 0;                    // the queue's clock
  std::optional<std::string> taken;  // with kTake: the unguarded task in flight
  std::vector<std::optional<std::string>> preload;  // on kRun: one value per preload key
};

struct ReapResult {
  bool alive = false;    // only with check_heartbeat: the worker's heartbeat lives, nothing done
  bool waiting = false;  // only with check_heartbeat: silent, but its started run's lock lives:
                         // the run is left alone until the lock ends, `requeued` the others
  int started = 0;       // started tasks recorded with the status
  int requeued = 0;      // tasks pushed back onto the queue
};

// Per plugin (normalized name) of the kind: what /metrics exports (HealthReport).
struct PluginHealth {
  std::string plugin;
  int64_t quarantined_pairs = 0;  // pairs in quarantine now
  bool quarantined = false;       // the whole plugin is (its import crashed a worker)
  int64_t stale_pairs = 0;        // pairs without an ok result for stale_after_s
};

struct QueueDepth {
  int64_t tasks = 0;
  int64_t deadletter = 0;
};

class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // --- a worker's calls ---
  // One step of `worker_id`: finish, then guard, then next (see the parts above). Retrying the
  // same request after a lost reply is safe: the finish does not apply twice, the guard answers
  // kRun again for its token, the take returns the same task.
  virtual Result<StepReply> Step(const std::string& worker_id, const StepRequest& request) = 0;
  // Waits up to `block` for a task and moves it into the worker's in-flight list; nullopt when
  // none came. REQUIRES: the in-flight list is empty (else call Step with kTake).
  virtual Result<std::optional<std::string>> Take(const std::string& worker_id,
                                                  std::chrono::milliseconds block) = 0;
  // Removes `raw` from the worker's in-flight list and pushes `entry` (JSON naming the task and
  // the reason) onto the dead-letter list.
  virtual Status DeadLetter(const std::string& worker_id, const std::string& raw,
                            const std::string& entry) = 0;

  // --- the supervisor's calls ---
  // Adds the workers to the registered set and (re)sets their heartbeats to live `ttl_ms` more;
  // returns the queue's depths. Registration is a heartbeat of one worker.
  virtual Result<QueueDepth> Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) = 0;
  // Moves the worker's prefetched task (if it holds one besides a running task) back to the
  // consuming end of the queue, unless the queue holds tasks (then no worker waits for one: the
  // task would only go before them, and its worker would need a step more); true if it moved one.
  virtual Result<bool> HandBack(const std::string& worker_id) = 0;
  // HandBack for several workers (the supervisor's watch pass): one entry per worker, true where a
  // task moved. This default calls HandBack for each; RedisTaskQueue does them all in one round trip.
  virtual Result<std::vector<bool>> HandBackEach(const std::vector<std::string>& worker_ids);
  // The registered workers (for the reaper).
  virtual Result<std::vector<std::string>> Workers() = 0;
  // Hands back the tasks of a dead worker: a started task (running record present) is recorded in
  // its meta with `status` (crashed/timeout) and `error` (unless another run stamped the meta
  // since), and its lock released if the run's token still owns it; the others are requeued at
  // the consuming end, oldest first; the worker's keys and registration are removed.
  // `check_heartbeat` (other agents' reapers): do nothing while its heartbeat lives, and while the
  // lock of its started run lives only requeue the others (`waiting`: it may be paused, not dead);
  // false when the caller knows the worker is dead (its own supervisor).
  virtual Result<ReapResult> Reap(const std::string& worker_id, const std::string& status,
                                  const std::string& error, bool check_heartbeat) = 0;
  // The worker died while importing the code of the plugin its running record names (the board
  // said so): quarantines that plugin as a whole (every pair of it is skipped `quarantined`) for
  // frequency x 2^crashes s, at most backoff_max_s, until a run of it ends ok or empty or its code
  // changes. Call before Reap (which clears the record). The plugin's normalized name, or nullopt
  // when nothing was running.
  virtual Result<std::optional<std::string>> QuarantinePlugin(const std::string& worker_id,
                                                              const std::string& error) = 0;

  // --- the operator's and the exporter's calls ---
  // Ends the quarantine and failure count of the plugin `normalized_name`'s pairs whose meta
  // resource_id is `resource_id` (empty: all of them and the whole-plugin quarantine). How many
  // quarantines it ended (a pair or the plugin each count one).
  virtual Result<int> Unquarantine(const std::string& normalized_name, const std::string& resource_id) = 0;
  // Per plugin with a quarantined or stale pair: the counts (sorted by plugin). Pairs no longer in
  // the kind's schedule are dropped from both lists on the way (when a schedule exists at all).
  virtual Result<std::vector<PluginHealth>> HealthReport() = 0;
};

}  // namespace panoptes::agent
