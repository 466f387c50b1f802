#pragma once
// The agent worker's logic as a plain state machine over its seams, with no process, signal or
// Redis code of its own (worker.h runs it in a worker process): the task queue (task_queue.h),
// the plugins it may run (PluginCatalog) and the code that runs them (PluginRunner). Unit tests
// drive it with MemoryTaskQueue, FaultyTaskQueue and fakes of the other two.
//
// What it holds between two calls, and so its state:
//   finish_    the finish part of the task that ran (sent with the next step)
//   next_      the prefetched task, validated, whose guard goes with the next step
//   inflight_empty_  known from the last reply: nothing is in flight, so it may block at once
// and the state follows from them (State below). Each Advance does one queue call:
//   kStep     one round trip: finish the task that ran, guard the prefetched one, take the next
//             (or hand it back when stopping, or nothing past max tasks); then run the guarded
//             task when its verdict is kRun, under its own deadline (RunDeadline): its time
//             limit, and never past the lock's lifetime counted from the guard's first send. Failures of the
//             queue are retried with backoff (they lose nothing: a step is safe to repeat); past the retry
//             budget, or on any other error, the worker exits with kQueueLost and leaves its tasks to the
//             reaper.
//   kRecover  nothing in hand but the in-flight list may hold a task (a lost reply): a step that
//             takes returns it; retried for as long as the queue is away.
//   kWait     nothing in hand or in flight: a blocking take.
//   kDrain    stopping (or max tasks reached) with nothing in hand: hand back what is in flight,
//             then exit kStopped/kRecycled.
// A task taken is validated at once (dead-lettered when invalid, of another kind, for an unknown
// plugin or with a wrong signature: a queue message never chooses which file is imported).
//
// Single-threaded. `stop_requested` may turn true at any time (a signal, the supervisor's flag).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/board.h"
#include "agent/task_queue.h"
#include "agent/transforms.h"
#include "core/logging.h"
#include "panoptes/kind.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "panoptes/plugin_services.h"
#include "python/host.h"

namespace panoptes::agent {

// The plugins a worker may run, by Name.
class PluginCatalog {
 public:
  virtual ~PluginCatalog() = default;
  // The plugin named `name` as it is now (reloaded if its files changed), or nullptr.
  virtual std::shared_ptr<const PluginInfo> Find(const std::string& name) = 0;
  // Called before every queue call: a periodic full rescan, if the catalog does one.
  virtual void Tick() {}
};

// Runs plugins and stores what only they produce.
class PluginRunner {
 public:
  virtual ~PluginRunner() = default;
  // Runs `info` for `task`; context.enrichment reads from `enrichment`. Never throws.
  virtual python::RunOutcome Run(const PluginInfo& info, const Task& task, EnrichmentSource& enrichment) = 0;
  // Imports the plugin's code if it is not loaded yet (the worker marks the board meanwhile, so that
  // a crash of the import quarantines the whole plugin). An error is the run's error.
  virtual Status Load(const PluginInfo& info) {
    (void)info;
    return Status::Ok();
  }
  // Stores a discovery run's resources (before its finish part is sent).
  virtual Status StoreDiscovered(const PluginInfo& info, const DiscoveryResult& found) = 0;
};

// The worker's own deadline for a plugin run, on a clock that keeps counting while the process is
// stopped: past it the process is killed at once, even while stopped, so that no plugin code runs
// after its lock's lifetime (docs/agent.md, "Stalls"). Production: process::KillTimer (worker.cpp).
class RunDeadline {
 public:
  virtual ~RunDeadline() = default;
  virtual int64_t NowMs() = 0;          // the deadline's clock, in milliseconds
  virtual void Arm(int64_t at_ms) = 0;  // absolute, on NowMs' clock; now or past: at once
  virtual void Disarm() = 0;
};

struct WorkerConfig {
  std::string prefix;  // [redis] key_prefix: the lock, meta and output keys
  PluginKind kind = PluginKind::kPolling;
  std::string worker_id;
  int max_tasks = 1000;         // [agent] max_tasks_per_worker: then recycle
  int metrics_maxlen = 100000;  // [agent] metrics_maxlen
  int skew = 1;                 // [main] plugins_skew
  std::vector<std::string> sites = {"local"};
  int block_ms = 1000;                  // the blocking take's wait
  int retry_first_ms = 50;              // backoff of a step in hand: first delay, doubling...
  int retry_max_ms = 1000;              // ...up to this...
  int retry_budget_ms = 30000;          // ...until this much time was spent retrying
  int idle_retry_ms = 250;              // the delay between two failed calls with nothing in hand
  int quarantine_after = 3;             // [agent] quarantine_after (0: never)
  int quarantine_backoff_max_s = 3600;  // [agent] quarantine_backoff_max_s
  int stale_after_cycles = 3;           // [agent] stale_after_cycles
};

struct WorkerDeps {
  TaskQueue& queue;
  PluginCatalog& plugins;
  PluginRunner& runner;
  BoardSlot& board;                      // reports to the supervisor
  std::function<bool()> stop_requested;  // nullptr: never
  std::function<void(int)> sleep_ms;     // nullptr: nanosleep
  std::function<std::string()> token;    // a unique guard token; nullptr: random
  StateReader read_states = nullptr;     // [transforms] counter states; nullptr: none (no rates)
  RunDeadline* deadline = nullptr;       // nullptr: the steady clock and no kill (unit tests)
};

enum class WorkerExit {
  kStopped,    // told to stop; nothing left in flight
  kRecycled,   // max_tasks reached; nothing left in flight
  kQueueLost,  // a task in hand could not be finished or guarded: its tasks are the reaper's
};

class Worker {
 public:
  enum class State { kStep, kRecover, kWait, kDrain };

  Worker(WorkerConfig config, WorkerDeps deps);

  // Runs until the worker exits.
  WorkerExit Run();
  // One transition (one queue call, and a plugin run when a guard said so); a value when done.
  std::optional<WorkerExit> Advance();
  State state() const;

  int tasks_taken() const { return tasks_taken_; }
  int finishes_refused() const { return finishes_refused_; }
  int locks_lost() const { return locks_lost_; }

 private:
  // A validated task in flight whose guard has not run yet.
  struct Prepared {
    Task task;
    std::shared_ptr<const PluginInfo> info;
    GuardPart guard;
    double time_limit = 0;
    std::vector<std::pair<std::string, std::string>> preload_ids;  // (resource id, namespace) per key
  };
  std::optional<WorkerExit> DoStep();
  void DoRecover();
  void DoWait();
  std::optional<WorkerExit> DoDrain();
  bool StopRequested() const;
  bool MayTakeMore() const;
  void Taken(const std::optional<std::string>& raw);
  // When the guarding step was first sent and when its answered attempt was, on the deadline's clock.
  struct Sent {
    int64_t first_ms = 0;
    int64_t last_ms = 0;
  };
  void Judge(const Prepared& guarded, const StepReply& reply, Sent sent);
  void Finished(const StepRequest& req, const StepReply& reply, int attempts);
  std::optional<Prepared> Prepare(const std::string& raw);
  bool DeadLetter(const std::string& raw, const std::string& reason, const std::string& detail);
  void RunTask(const Prepared& p, const StepReply& reply, Sent sent);
  void NotStarted(const Prepared& p, int64_t waited_ms);
  RunDeadline& Deadline();
  python::RunOutcome LoadThenRun(const PluginInfo& info, const Task& task, EnrichmentSource& enrichment);
  FinishPart BuildFinish(const Prepared& p, python::RunOutcome& outcome);
  // Calls `call` until it succeeds, retrying unavailable/I/O failures with backoff within the
  // retry budget; `attempts` counts the calls made. False when it gave up (logged).
  template <typename F>
  bool Retry(const char* what, F&& call, int& attempts);
  void Sleep(int ms);
  void IdleFailure(const Status& st);

  WorkerConfig c_;
  WorkerDeps d_;
  std::shared_ptr<spdlog::logger> log_;
  std::optional<FinishPart> finish_;
  std::optional<Prepared> next_;
  bool inflight_empty_ = false;
  bool lost_ = false;  // a dead-letter gave up: exit kQueueLost
  int tasks_taken_ = 0;
  int finishes_refused_ = 0;
  int locks_lost_ = 0;
  std::unique_ptr<RunDeadline> steady_;  // when deps.deadline is nullptr
  int idle_failures_ = 0;
};

}  // namespace panoptes::agent
