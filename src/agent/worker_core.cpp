#include "agent/worker_core.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "agent/outputs.h"
#include "agent/task_parts.h"
#include "model/identity.h"
#include "model/json.h"

namespace panoptes::agent {
namespace {

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string RandomToken() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

bool Retryable(const Status& st) {
  return st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kIOError;
}

// No kill: the steady clock only (unit tests that do not look at deadlines).
class SteadyDeadline : public RunDeadline {
 public:
  int64_t NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void Arm(int64_t) override {}
  void Disarm() override {}
};

// context.enrichment served from what the guard fetched (no extra round trip).
class PrefetchedEnrichment : public EnrichmentSource {
 public:
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> values;
  Result<std::optional<std::string>> Fetch(const std::string& resource_id, const std::string& ns) override {
    auto it = values.find({resource_id, ns});
    return it == values.end() ? std::optional<std::string>() : it->second;
  }
};

}  // namespace

Worker::Worker(WorkerConfig config, WorkerDeps deps)
    : c_(std::move(config)), d_(std::move(deps)), log_(core::Logger("agent")) {}

RunDeadline& Worker::Deadline() {
  if (d_.deadline != nullptr) return *d_.deadline;
  if (!steady_) steady_ = std::make_unique<SteadyDeadline>();
  return *steady_;
}

bool Worker::StopRequested() const {
  return (d_.stop_requested && d_.stop_requested()) || d_.board.stop.load(std::memory_order_relaxed) != 0;
}

// Tasks are counted when taken.
bool Worker::MayTakeMore() const {
  return !StopRequested() && tasks_taken_ < c_.max_tasks;
}

Worker::State Worker::state() const {
  if (finish_ || next_) return State::kStep;
  if (!MayTakeMore()) return State::kDrain;
  return inflight_empty_ ? State::kWait : State::kRecover;
}

WorkerExit Worker::Run() {
  while (true) {
    if (auto done = Advance()) return *done;
  }
}

std::optional<WorkerExit> Worker::Advance() {
  d_.plugins.Tick();
  std::optional<WorkerExit> done;
  switch (state()) {
    case State::kStep: done = DoStep(); break;
    case State::kRecover: DoRecover(); break;
    case State::kWait: DoWait(); break;
    case State::kDrain: done = DoDrain(); break;
  }
  if (lost_) return WorkerExit::kQueueLost;
  return done;
}

void Worker::Sleep(int ms) {
  if (d_.sleep_ms) return d_.sleep_ms(ms);
  timespec t{ms / 1000, (ms % 1000) * 1'000'000L};
  nanosleep(&t, nullptr);
}

void Worker::IdleFailure(const Status& st) {
  if (idle_failures_++ % 20 == 0) log_->warn("worker {}: {}", c_.worker_id, st.ToString());
  inflight_empty_ = false;  // a take may have happened, its reply lost
  Sleep(c_.idle_retry_ms);
}

template <typename F>
bool Worker::Retry(const char* what, F&& call, int& attempts) {
  int delay_ms = c_.retry_first_ms, waited_ms = 0;
  for (attempts = 1;; ++attempts) {
    Status st = call();
    if (st.ok()) return true;
    if (!Retryable(st)) {
      log_->error("worker {}: {}: {}", c_.worker_id, what, st.ToString());
      return false;
    }
    if (waited_ms >= c_.retry_budget_ms) {
      log_->error(
          "worker {}: {}: the queue stayed unreachable for {} ms ({}); exiting so that its tasks are reaped",
          c_.worker_id, what, waited_ms, st.ToString());
      return false;
    }
    if (attempts % 4 == 1) log_->warn("worker {}: {}: {} (retrying)", c_.worker_id, what, st.ToString());
    Sleep(delay_ms);
    waited_ms += delay_ms;
    delay_ms = std::min(c_.retry_max_ms, delay_ms * 2);
  }
}

// One round trip: finish the task that ran, guard the prefetched one, take the next; when
// stopping, finish and hand back what was prefetched instead of running it.
std::optional<WorkerExit> Worker::DoStep() {
  std::optional<Prepared> guarded;
  StepRequest req;
  req.finish = std::move(finish_);
  finish_.reset();
  if (StopRequested()) {
    req.next = StepNext::kHandBack;
  } else {
    guarded = std::move(next_);
    req.next = MayTakeMore() ? StepNext::kTake : StepNext::kNone;
  }
  next_.reset();
  if (guarded) req.guard = guarded->guard;
  req.metrics_maxlen = c_.metrics_maxlen;
  StepReply reply;
  int attempts = 0;
  Sent sent;
  sent.first_ms = Deadline().NowMs();
  bool ok = Retry(
      "step",
      [&] {
        sent.last_ms = Deadline().NowMs();
        auto r = d_.queue.Step(c_.worker_id, req);
        if (r.ok()) reply = std::move(r).value();
        return r.status();
      },
      attempts);
  if (!ok) return WorkerExit::kQueueLost;
  if (req.finish) Finished(req, reply, attempts);
  // A take that found nothing, with nothing running: the in-flight list is empty.
  inflight_empty_ = req.next == StepNext::kTake && !reply.taken && reply.verdict != Verdict::kRun;
  Taken(reply.taken);
  if (guarded) Judge(*guarded, reply, sent);
  if (req.next == StepNext::kHandBack && !finish_)
    return StopRequested() ? WorkerExit::kStopped : WorkerExit::kRecycled;
  return std::nullopt;
}

// What the reply says of the finish part: refused (the run was reaped) or applied without the lock.
void Worker::Finished(const StepRequest& req, const StepReply& reply, int attempts) {
  if (!reply.finished && attempts == 1) {
    // Answered at the first attempt, so not a retry of a finish that applied: the run's record
    // was gone (the worker was taken for dead and reaped), and its outputs are dropped.
    ++finishes_refused_;
    d_.board.finish_refused.fetch_add(1, std::memory_order_relaxed);
    log_->warn("worker {}: the finish of {} was refused (its run was reaped meanwhile): outputs dropped",
               c_.worker_id, req.finish->meta);
  } else if (reply.lock_lost) {
    // The run ended within its own deadline, before the lock's end; the finish came later (Redis
    // unreachable, or the worker stopped after the run) or Redis lost the lock.
    ++locks_lost_;
    d_.board.lock_lost.fetch_add(1, std::memory_order_relaxed);
    log_->warn(
        "worker {}: the lock of {} was gone at its finish (its lifetime ran out before the finish "
        "reached Redis, or Redis lost it): the run's results are stored",
        c_.worker_id, req.finish->meta);
  }
}

void Worker::Taken(const std::optional<std::string>& raw) {
  if (!raw) return;
  ++tasks_taken_;
  inflight_empty_ = false;
  next_ = Prepare(*raw);
}

void Worker::Judge(const Prepared& guarded, const StepReply& reply, Sent sent) {
  Verdict v = reply.verdict.value_or(Verdict::kGone);
  if (v == Verdict::kRun) {
    RunTask(guarded, reply, sent);
  } else if (v == Verdict::kExpired) {
    d_.board.expired.fetch_add(1, std::memory_order_relaxed);
  } else if (v == Verdict::kGone) {
    d_.board.gone.fetch_add(1, std::memory_order_relaxed);
  } else {
    log_->debug("worker {}: {} {} skipped: {}", c_.worker_id, guarded.info->name, guarded.task.signature,
                VerdictName(v));
    Count(d_.board.skipped, IndexOf(kSkipReasons, VerdictName(v)));
  }
}

// Nothing in hand, but a task may be in flight (a lost reply): a step that takes returns it.
void Worker::DoRecover() {
  StepRequest req;
  req.next = StepNext::kTake;
  req.metrics_maxlen = c_.metrics_maxlen;
  auto r = d_.queue.Step(c_.worker_id, req);
  if (!r.ok()) return IdleFailure(r.status());
  idle_failures_ = 0;
  inflight_empty_ = !r->taken;
  Taken(r->taken);
}

void Worker::DoWait() {
  auto r = d_.queue.Take(c_.worker_id, std::chrono::milliseconds(c_.block_ms));
  if (!r.ok()) return IdleFailure(r.status());
  if (idle_failures_ > 0) log_->info("worker {}: the queue is reachable again", c_.worker_id);
  idle_failures_ = 0;
  Taken(*r);
}

// Stopping or recycled with nothing in hand: hand back anything still in flight, then exit.
std::optional<WorkerExit> Worker::DoDrain() {
  StepRequest req;
  req.next = StepNext::kHandBack;
  auto r = d_.queue.Step(c_.worker_id, req);
  if (!r.ok()) {
    // Not retried for long: the supervisor reaps (requeues) what is left when this process ends.
    log_->warn("worker {}: cannot hand back its tasks at exit (its supervisor will): {}", c_.worker_id,
               r.status().ToString());
  }
  return StopRequested() ? WorkerExit::kStopped : WorkerExit::kRecycled;
}

bool Worker::DeadLetter(const std::string& raw, const std::string& reason, const std::string& detail) {
  log_->warn("worker {}: dead-lettering a task: {}: {}", c_.worker_id, reason, detail);
  std::string entry = "{\"task\":";
  model::AppendJsonString(entry, raw);
  entry += ",\"reason\":";
  model::AppendJsonString(entry, reason + ": " + detail);
  entry += ",\"at\":";
  model::AppendJsonDouble(entry, WallSeconds());
  entry += "}";
  int attempts = 0;
  if (!Retry(
          "dead-letter", [&] { return d_.queue.DeadLetter(c_.worker_id, raw, entry); }, attempts)) {
    lost_ = true;
    return false;
  }
  Count(d_.board.deadlettered, IndexOf(kDeadletterReasons, reason));
  return true;
}

// Validates a task taken into flight (nothing is imported from a message): dead-letters a bad one.
std::optional<Worker::Prepared> Worker::Prepare(const std::string& raw) {
  auto task = model::ParseTask(raw);
  if (!task.ok()) {
    DeadLetter(raw, "invalid", task.status().message());
    return std::nullopt;
  }
  if (task->kind != c_.kind) {
    DeadLetter(raw, "kind",
               "a " + std::string(KindName(task->kind)) + " task on the " + std::string(KindName(c_.kind)) +
                   " queue");
    return std::nullopt;
  }
  auto info = d_.plugins.Find(task->plugin);
  if (info == nullptr) {
    DeadLetter(raw, "unknown plugin",
               "no " + std::string(KindName(c_.kind)) + " plugin named \"" + task->plugin +
                   "\" in this agent's plugins_paths");
    return std::nullopt;
  }
  std::string expected = model::Signature(info->normalized_name, task->resource ? &*task->resource : nullptr);
  if (expected != task->signature) {
    DeadLetter(raw, "signature",
               "task " + task->id + " for " + task->plugin + " has signature " + task->signature +
                   ", expected " + expected);
    return std::nullopt;
  }
  Prepared p{std::move(*task), info, {}, 0, {}};
  p.time_limit = TimeLimit(p.task, *info);
  p.guard = MakeGuardPart(c_.prefix, *info, p.task, raw, d_.token ? d_.token() : RandomToken(), c_.skew,
                          LockTtlMs(p.task, *info));
  p.guard.health = MakeHealthPart(c_.prefix, *info, p.task, c_.quarantine_after, c_.quarantine_backoff_max_s,
                                  c_.stale_after_cycles);
  p.preload_ids = PreloadIds(*info, p.task);
  return p;
}

// Runs a guarded task under its own deadline: its time limit from now, and never past the lock's
// lifetime counted from the guard's first send (the lock was set at or after it, and a retried
// step answers for the attempt that applied), less LockSafetyMs.
void Worker::RunTask(const Prepared& p, const StepReply& reply, Sent sent) {
  PrefetchedEnrichment enrichment;
  for (size_t i = 0; i < p.preload_ids.size() && i < reply.preload.size(); ++i) {
    enrichment.values[p.preload_ids[i]] = reply.preload[i];
  }
  RunDeadline& clock = Deadline();
  int64_t start_ms = clock.NowMs();
  auto limit_ms = static_cast<int64_t>(p.time_limit * 1000);
  int64_t hard_ms = sent.first_ms + p.guard.lock_ttl_ms - LockSafetyMs(p.guard.lock_ttl_ms);
  int64_t deadline_ms = std::min(start_ms + limit_ms, hard_ms);
  if (deadline_ms - start_ms < limit_ms / 2) return NotStarted(p, start_ms - sent.first_ms);
  // The start on the queue's clock, at the latest: the guard ran after this attempt was sent.
  double started = reply.now + static_cast<double>(start_ms - sent.last_ms) / 1000;
  d_.board.prefetched.store(next_ ? 1 : 0, std::memory_order_relaxed);
  d_.board.deadline_ms.store(deadline_ms, std::memory_order_relaxed);
  BeginRun(d_.board, p.task.id, limit_ms);
  clock.Arm(deadline_ms);
  python::RunOutcome outcome = LoadThenRun(*p.info, p.task, enrichment);
  clock.Disarm();
  finish_ = BuildFinish(p, outcome);
  finish_->started = started;
  EndRun(d_.board, finish_->status, std::chrono::duration<double>(outcome.duration).count(),
         started - p.task.scheduled_for);
}

// The guard's reply came so late (retries, or this process stopped) that less than half of the
// time limit would be left before the lock may end: the task is recorded, not run. Its finish
// carries no health part: a pause of this process is not a failure of the plugin/resource pair.
void Worker::NotStarted(const Prepared& p, int64_t waited_ms) {
  std::string why = "not started: the guard's reply came " + std::to_string(waited_ms) +
                    " ms after its step was first sent, too late to run within the lock's lifetime of " +
                    std::to_string(p.guard.lock_ttl_ms) + " ms";
  log_->warn("worker {}: {} ({}) task {} {}", c_.worker_id, p.info->name, p.task.signature, p.task.id, why);
  FinishPart f;
  f.lock = p.guard.lock;
  f.meta = p.guard.meta;
  f.token = p.guard.token;
  f.status = "timeout";
  f.error = std::move(why);
  finish_ = std::move(f);
  Count(d_.board.executed, IndexOf(kRunOutcomes, "timeout"));
}

// The import is marked on the board: a worker that dies meanwhile quarantines the whole plugin
// (its supervisor sees the mark), so a module that crashes the interpreter is not retried in a
// crash loop.
python::RunOutcome Worker::LoadThenRun(const PluginInfo& info, const Task& task,
                                       EnrichmentSource& enrichment) {
  auto start = std::chrono::steady_clock::now();
  d_.board.importing.store(1, std::memory_order_release);
  Status loaded = d_.runner.Load(info);
  d_.board.importing.store(0, std::memory_order_release);
  if (loaded.ok()) return d_.runner.Run(info, task, enrichment);
  python::RunOutcome outcome;
  outcome.error = loaded.ToString();
  outcome.duration = std::chrono::steady_clock::now() - start;
  return outcome;
}

// The finish part of a run: where a run's outputs are built, and its [transforms] applied (their
// counter states written with the outputs), before the step that writes them.
FinishPart Worker::BuildFinish(const Prepared& p, python::RunOutcome& outcome) {
  const PluginInfo& info = *p.info;
  FinishPart f;
  f.lock = p.guard.lock;
  f.meta = p.guard.meta;
  f.token = p.guard.token;
  f.health = p.guard.health;
  f.status = python::RunStatusName(outcome.status);
  f.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count();
  f.error = outcome.error;
  if (outcome.status == python::RunStatus::kError) {
    log_->warn("plugin {} ({}) task {} failed: {}", info.name, p.task.signature, p.task.id, outcome.error);
  }
  if (const auto* found = std::get_if<DiscoveryResult>(&outcome.result)) {
    Status st = d_.runner.StoreDiscovered(info, *found);
    if (st.ok()) {
      f.stored = true;
    } else {
      f.status = "error";
      f.error = "storing the discovered resources: " + st.ToString();
    }
  } else {
    std::string site =
        p.task.resource && !p.task.resource->site.empty() ? p.task.resource->site : c_.sites.at(0);
    std::vector<OutputWrite> rate_states;
    if (auto* polling = std::get_if<PollingResult>(&outcome.result); polling && !info.transforms.empty()) {
      CountRates(d_.board, ApplyTransforms(d_.read_states, c_.prefix, info, *polling, rate_states));
    }
    f.outputs = BuildOutputs(c_.prefix, info, outcome.result, site);
    f.stored = !f.outputs.empty();
    f.outputs.insert(f.outputs.end(), rate_states.begin(), rate_states.end());
  }
  return f;
}

}  // namespace panoptes::agent
