// The TaskQueue contract (task_queue_contract.h): the step, its safety when retried after a lost
// reply, the blocking take, dead-lettering, the supervisor's hand-back, heartbeats and the reaper.

#include "contract/task_queue_contract.h"

#include "redis/keys.h"

namespace panoptes::testing {

using agent::FinishPart;
using agent::GuardPart;
using agent::StepNext;
using agent::StepRequest;
using agent::Verdict;
using Strings = std::vector<std::string>;

void TaskQueueContract::SetUp() {
  world_ = GetParam()();
  q_ = &world_->queue();
  queue_ = redis::keys::Tasks(world_->prefix(), PluginKind::kPolling);
  running_ = redis::keys::AgentRunning(world_->prefix(), "w1");
}

GuardPart TaskQueueContract::Guard(int n, int frequency) const {
  GuardPart g;
  g.raw = "task-" + std::to_string(n);
  g.lock = world_->prefix() + ":lock:polling:p:" + std::to_string(n);
  g.meta = world_->prefix() + ":meta:polling:p:" + std::to_string(n);
  g.token = "token-" + std::to_string(n);
  g.lock_ttl_ms = 60000;
  g.execute_frequency = frequency;
  g.expires_at = 1e18;
  g.task_id = std::to_string(n);
  g.plugin = "p";
  g.resource_id = "r" + std::to_string(n);
  g.health.entry = "p:" + std::to_string(n);
  g.health.plugin_quarantine = redis::keys::PluginQuarantine(world_->prefix(), PluginKind::kPolling, "p");
  g.health.quarantine_after = 3;
  g.health.backoff_max_s = 300;
  g.health.frequency = frequency;
  g.health.stale_after_s = 3 * frequency;
  return g;
}

FinishPart TaskQueueContract::Finish(const GuardPart& g) const {
  FinishPart f;
  f.lock = g.lock;
  f.meta = g.meta;
  f.token = g.token;
  f.status = "ok";
  f.duration_ms = 12;
  f.stored = true;
  f.health = g.health;
  f.outputs.push_back({Metrics(), true, 0, "group of " + g.task_id});
  return f;
}

StepRequest TaskQueueContract::GuardThenTake(std::optional<GuardPart> guard) {
  StepRequest req;
  req.guard = std::move(guard);
  req.next = StepNext::kTake;
  return req;
}

agent::StepReply TaskQueueContract::RunFirstWithSecondPrefetched() {
  Step(GuardThenTake());
  return Step(GuardThenTake(Guard(1)));
}

agent::StepReply TaskQueueContract::Step(const StepRequest& req, const std::string& worker) {
  auto r = q_->Step(worker, req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : agent::StepReply{};
}

Strings TaskQueueContract::Inflight(const std::string& worker) {
  return world_->List(redis::keys::AgentInflight(world_->prefix(), worker));
}

namespace {

TEST_P(TaskQueueContract, BusyWorkerFinishesGuardsAndTakesInOneStep) {
  Queue(1);
  Queue(2);
  Queue(3);
  auto r0 = Step(GuardThenTake());
  ASSERT_EQ(r0.taken, "task-1");
  EXPECT_EQ(r0.verdict, std::nullopt) << "no guard part, no verdict";
  EXPECT_GT(r0.now, 1.6e9) << "the queue's clock, epoch seconds";

  auto r1 = Step(GuardThenTake(Guard(1)));
  EXPECT_EQ(r1.verdict, Verdict::kRun);
  EXPECT_EQ(r1.taken, "task-2");
  EXPECT_EQ(Inflight(), (Strings{"task-2", "task-1"})) << "running at the tail";
  EXPECT_EQ(world_->Get(Guard(1).lock), "token-1");
  EXPECT_EQ(world_->HGet(running_, "token"), "token-1");
  EXPECT_EQ(world_->HGet(running_, "task"), "1");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "plugin"), "p");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "resource_id"), "r1");
  ASSERT_TRUE(world_->HGet(Guard(1).meta, "last_executed"));
  EXPECT_NEAR(std::stod(*world_->HGet(Guard(1).meta, "last_executed")), r1.now, 0.001);

  StepRequest s2 = GuardThenTake(Guard(2));
  s2.finish = Finish(Guard(1));
  auto r2 = Step(s2);
  EXPECT_TRUE(r2.finished);
  EXPECT_EQ(r2.verdict, Verdict::kRun);
  EXPECT_EQ(r2.taken, "task-3");
  EXPECT_EQ(Inflight(), (Strings{"task-3", "task-2"}));
  EXPECT_FALSE(world_->Exists(Guard(1).lock)) << "task 1's lock released";
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "ok");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_duration_ms"), "12");
  EXPECT_TRUE(world_->HGet(Guard(1).meta, "last_results"));
  EXPECT_EQ(world_->HGet(running_, "token"), "token-2");
  EXPECT_EQ(world_->StreamLength(Metrics()), 1);
  EXPECT_EQ(world_->List(queue_), Strings{});
}

TEST_P(TaskQueueContract, RetriedStepAfterALostReplyChangesNothingMore) {
  Queue(1);
  Queue(2);
  Queue(3);
  RunFirstWithSecondPrefetched();
  StepRequest s2 = GuardThenTake(Guard(2));
  s2.finish = Finish(Guard(1));
  auto first = Step(s2);
  auto again = Step(s2);  // the same request, as a worker retries it
  EXPECT_TRUE(first.finished);
  EXPECT_FALSE(again.finished) << "the finish must not run twice";
  EXPECT_EQ(again.verdict, Verdict::kRun) << "the guard already ran for this token";
  EXPECT_EQ(again.taken, first.taken) << "the take returns the task already in flight";
  EXPECT_EQ(Inflight(), (Strings{"task-3", "task-2"}));
  EXPECT_EQ(world_->List(queue_), Strings{});
  EXPECT_EQ(world_->StreamLength(Metrics()), 1) << "outputs written once";
}

TEST_P(TaskQueueContract, GuardSkipsAcknowledgeAtTheTail) {
  Queue(1);
  Queue(2);
  world_->HSet(Guard(1).meta, "last_executed", "9999999999");  // ran "just now"
  Step(GuardThenTake());
  auto r1 = Step(GuardThenTake(Guard(1)));
  EXPECT_EQ(r1.verdict, Verdict::kTooSoon);
  EXPECT_EQ(r1.taken, "task-2");
  EXPECT_EQ(Inflight(), Strings{"task-2"}) << "the skipped task is acknowledged";
  EXPECT_FALSE(world_->Exists(running_));
  EXPECT_FALSE(world_->Exists(Guard(1).lock));
  world_->Set(Guard(2).lock, "someone-else");
  StepRequest s2;
  s2.guard = Guard(2);
  auto r2 = Step(s2);
  EXPECT_EQ(r2.verdict, Verdict::kLocked);
  EXPECT_EQ(Inflight(), Strings{});
  EXPECT_EQ(world_->Get(Guard(2).lock), "someone-else") << "another owner's lock is left alone";
}

TEST_P(TaskQueueContract, ExpiredCachedAndChangedCodeVerdicts) {
  for (int n = 1; n <= 4; ++n) Queue(n);
  Step(GuardThenTake());
  GuardPart expired = Guard(1);
  expired.expires_at = 1000;  // long past
  EXPECT_EQ(Step(GuardThenTake(expired)).verdict, Verdict::kExpired);

  GuardPart cached = Guard(2);
  cached.results_cache_age = 3600;
  world_->HSet(cached.meta, "last_results", "9999999999");
  EXPECT_EQ(Step(GuardThenTake(cached)).verdict, Verdict::kCached);

  GuardPart changed = Guard(3);  // ran just now, but its code changed since
  world_->HSet(changed.meta, "last_executed", "2000000000");
  changed.code_mtime = 2000000001;
  EXPECT_EQ(Step(GuardThenTake(changed)).verdict, Verdict::kRun);
  EXPECT_EQ(Inflight(), (Strings{"task-4", "task-3"}));
}

TEST_P(TaskQueueContract, GuardOfARunReturnsThePreloadedValues) {
  Queue(1);
  Step(GuardThenTake());
  world_->Set(world_->prefix() + ":enrichment:r1:ns", "{\"v\":1}");
  GuardPart g = Guard(1);
  g.preload_keys = {world_->prefix() + ":enrichment:r1:ns", world_->prefix() + ":enrichment:none:ns"};
  auto r = Step(GuardThenTake(g));
  ASSERT_EQ(r.verdict, Verdict::kRun);
  EXPECT_EQ(r.preload, (std::vector<std::optional<std::string>>{"{\"v\":1}", std::nullopt}));
}

TEST_P(TaskQueueContract, FinishWritesKeyValueOutputsWithTheirTtl) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  FinishPart f = Finish(Guard(1));
  f.outputs = {{world_->prefix() + ":enrichment:r1:ns", false, 60, "value"}};
  f.stored = false;
  StepRequest req;
  req.finish = f;
  EXPECT_TRUE(Step(req).finished);
  EXPECT_EQ(world_->Get(world_->prefix() + ":enrichment:r1:ns"), "value");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_results"), std::nullopt) << "nothing stored: no last_results";
  EXPECT_EQ(Inflight(), Strings{});
  EXPECT_FALSE(world_->Exists(running_));
}

TEST_P(TaskQueueContract, FinishOfAReapedRunIsRefusedAndWritesNothing) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  auto reaped = q_->Reap("w1", "crashed", "taken for dead", false);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  StepRequest req;
  req.finish = Finish(Guard(1));
  auto r = Step(req);
  EXPECT_FALSE(r.finished);
  EXPECT_EQ(world_->StreamLength(Metrics()), 0);
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "crashed");
}

TEST_P(TaskQueueContract, HandBackEachMovesThePrefetchedTaskOfEveryWorkerThatHasOne) {
  Queue(1);
  Queue(2);
  Queue(3);
  Queue(4);
  ASSERT_EQ(RunFirstWithSecondPrefetched().taken, "task-2");  // w1 runs 1, holds 2
  Step(GuardThenTake(), "w2");
  ASSERT_EQ(Step(GuardThenTake(Guard(3)), "w2").taken, "task-4");  // w2 runs 3, holds 4
  auto moved = q_->HandBackEach({"w1", "w3", "w2"});               // w3 holds nothing
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(Inflight("w1"), Strings{"task-1"});
  EXPECT_EQ(Inflight("w2"), Strings{"task-3"});
  EXPECT_EQ(world_->List(queue_), (Strings{"task-2", "task-4"}))
      << "each back at the consuming end (the right), in the order named";
  auto again = q_->HandBackEach({"w1", "w2"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, (std::vector<bool>{false, false})) << "running tasks are never handed back";
}

TEST_P(TaskQueueContract, HandedBackTaskIsGoneForTheWorkerAndNextOnTheQueue) {
  Queue(1);
  Queue(2);
  ASSERT_EQ(RunFirstWithSecondPrefetched().taken, "task-2");
  Queue(3);  // newer work arrives meanwhile: a backlog, so no worker waits for a task
  auto held = q_->HandBack("w1");
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_FALSE(*held) << "nothing handed back while the queue holds tasks";
  EXPECT_EQ(Inflight(), (Strings{"task-2", "task-1"}));
  ASSERT_EQ(Step(GuardThenTake(), "w2").taken, "task-3");  // the queue is empty again
  auto moved = q_->HandBack("w1");
  ASSERT_TRUE(moved.ok() && *moved);
  EXPECT_EQ(Inflight(), Strings{"task-1"}) << "only the running task stays";
  EXPECT_EQ(world_->List(queue_), Strings{"task-2"}) << "task 2 is taken next";
  auto again = q_->HandBack("w1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "the running task is never handed back";

  StepRequest s2;
  s2.finish = Finish(Guard(1));
  s2.guard = Guard(2);
  auto r2 = Step(s2);
  EXPECT_TRUE(r2.finished);
  EXPECT_EQ(r2.verdict, Verdict::kGone);
  EXPECT_FALSE(world_->Exists(Guard(2).lock)) << "no lock taken for a task the worker no longer holds";
  EXPECT_FALSE(world_->Exists(running_));
}

TEST_P(TaskQueueContract, StoppingWorkerHandsBackItsPrefetchedTask) {
  Queue(1);
  Queue(2);
  RunFirstWithSecondPrefetched();
  StepRequest hold;
  hold.next = StepNext::kHandBack;
  Step(hold);
  EXPECT_EQ(Inflight(), (Strings{"task-2", "task-1"})) << "nothing handed back while a task runs";
  StepRequest stop;
  stop.finish = Finish(Guard(1));
  stop.next = StepNext::kHandBack;
  auto r = Step(stop);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(Inflight(), Strings{});
  EXPECT_EQ(world_->List(queue_), Strings{"task-2"});
}

TEST_P(TaskQueueContract, TakeWaitsForATaskAndAStepTakeReturnsItAgain) {
  auto none = q_->Take("w1", std::chrono::milliseconds(50));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, std::nullopt);
  Queue(1);
  Queue(2);
  auto one = q_->Take("w1", std::chrono::milliseconds(50));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, "task-1") << "the oldest first";
  EXPECT_EQ(Inflight(), Strings{"task-1"});
  // Its reply lost, the worker asks with a step: the same task, nothing more moved.
  EXPECT_EQ(Step(GuardThenTake()).taken, "task-1");
  EXPECT_EQ(world_->List(queue_), Strings{"task-2"});
}

TEST_P(TaskQueueContract, DeadLetterMovesTheTaskOnceEvenWhenRetried) {
  Queue(1);
  Step(GuardThenTake());
  const std::string dead = redis::keys::Deadletter(world_->prefix(), PluginKind::kPolling);
  ASSERT_TRUE(q_->DeadLetter("w1", "task-1", "{\"reason\":\"invalid\"}").ok());
  ASSERT_TRUE(q_->DeadLetter("w1", "task-1", "{\"reason\":\"invalid\"}").ok());
  EXPECT_EQ(world_->List(dead), Strings{"{\"reason\":\"invalid\"}"});
  EXPECT_EQ(Inflight(), Strings{});
}

TEST_P(TaskQueueContract, HeartbeatRegistersWorkersAndReportsDepths) {
  Queue(1);
  Queue(2);
  auto depth = q_->Heartbeat({"w1", "w2"}, 10000);
  ASSERT_TRUE(depth.ok()) << depth.status().ToString();
  EXPECT_EQ(depth->tasks, 2);
  EXPECT_EQ(depth->deadletter, 0);
  auto workers = q_->Workers();
  ASSERT_TRUE(workers.ok());
  std::sort(workers->begin(), workers->end());
  EXPECT_EQ(*workers, (Strings{"w1", "w2"}));
  EXPECT_TRUE(world_->Exists(redis::keys::AgentHeartbeat(world_->prefix(), "w2")));
}

TEST_P(TaskQueueContract, ReaperLeavesALiveWorkerAndReapsADeadOne) {
  Queue(1);
  Queue(2);
  RunFirstWithSecondPrefetched();
  ASSERT_TRUE(q_->Heartbeat({"w1"}, 10000).ok());
  auto alive = q_->Reap("w1", "crashed", "gone", true);
  ASSERT_TRUE(alive.ok()) << alive.status().ToString();
  EXPECT_TRUE(alive->alive);
  EXPECT_EQ(Inflight(), (Strings{"task-2", "task-1"})) << "a live worker keeps its tasks";

  world_->Del(redis::keys::AgentHeartbeat(world_->prefix(), "w1"));  // its heartbeat expires
  world_->Del(Guard(1).lock);  // and then its run's lock (until then: SilentWorkersRun... below)
  auto reaped = q_->Reap("w1", "crashed", "gone", true);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_FALSE(reaped->alive);
  EXPECT_EQ(reaped->started, 1);
  EXPECT_EQ(reaped->requeued, 1);
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "crashed");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_error"), "gone");
  EXPECT_EQ(world_->List(queue_), Strings{"task-2"}) << "the started task is not run again";
  EXPECT_EQ(Inflight(), Strings{});
  EXPECT_FALSE(world_->Exists(running_));
  EXPECT_EQ(*q_->Workers(), Strings{}) << "unregistered";
}

TEST_P(TaskQueueContract, ReapRequeuesUnstartedTasksOldestFirst) {
  Queue(1);
  Queue(2);
  Step(GuardThenTake());  // task 1 in flight, not guarded
  world_->LPush(redis::keys::AgentInflight(world_->prefix(), "w1"), "task-2");
  world_->Del(queue_);
  auto reaped = q_->Reap("w1", "crashed", "gone", false);
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(reaped->started, 0);
  EXPECT_EQ(reaped->requeued, 2);
  EXPECT_EQ(world_->List(queue_), (Strings{"task-2", "task-1"})) << "task 1 is consumed first";
}

TEST_P(TaskQueueContract, ReapOfALockTakenOverLeavesTheNewOwnersLock) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  world_->Set(Guard(1).lock, "another-run");  // the lock expired and another run took it
  ASSERT_TRUE(q_->Reap("w1", "timeout", "killed", false).ok());
  EXPECT_EQ(world_->Get(Guard(1).lock), "another-run");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "timeout");
}

// --- the start stamp, the frequency guard by periods, a lost lock, a silent worker's run ---

TEST_P(TaskQueueContract, FinishStampsLastExecutedWithThePluginStart) {
  Queue(1);
  Step(GuardThenTake());
  auto r = Step(GuardThenTake(Guard(1)));
  ASSERT_EQ(r.verdict, Verdict::kRun);
  StepRequest req;
  req.finish = Finish(Guard(1));
  req.finish->started = r.now + 30;  // the plugin started 30 s after the guard (a stopped worker)
  EXPECT_TRUE(Step(req).finished);
  ASSERT_TRUE(world_->HGet(Guard(1).meta, "last_executed"));
  EXPECT_NEAR(std::stod(*world_->HGet(Guard(1).meta, "last_executed")), r.now + 30, 0.001);
}

TEST_P(TaskQueueContract, FinishKeepsALaterStampThanItsStart) {
  Queue(1);
  Step(GuardThenTake());
  auto r = Step(GuardThenTake(Guard(1)));
  world_->HSet(Guard(1).meta, "last_executed", "9999999999.000000");  // a later run stamped it
  StepRequest req;
  req.finish = Finish(Guard(1));
  req.finish->started = r.now;
  EXPECT_TRUE(Step(req).finished);
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_executed"), "9999999999.000000");
}

// The last run's record: scheduled `scheduled_ago` and started `started_ago` seconds before now.
void Ran(TaskQueueWorld& w, const GuardPart& g, double now, double scheduled_ago, double started_ago) {
  w.HSet(g.meta, "last_scheduled", std::to_string(now - scheduled_ago));
  w.HSet(g.meta, "last_executed", std::to_string(now - started_ago));
}

TEST_P(TaskQueueContract, LateRunDoesNotMakeTheNextPeriodsTaskTooSoon) {
  Queue(1);
  double now = Step(GuardThenTake()).now;
  GuardPart g = Guard(1, 60);
  g.skew = 1;
  // The last task was due 61 s ago but ran 20 s late (Redis was restarting); this one is the
  // next period's, due 1 s ago: 41 s after the last start, which the original rule refused.
  Ran(*world_, g, now, 61, 41);
  g.scheduled_for = now - 1;
  EXPECT_EQ(Step(GuardThenTake(g)).verdict, Verdict::kRun);
  ASSERT_TRUE(world_->HGet(g.meta, "last_scheduled"));
  EXPECT_NEAR(std::stod(*world_->HGet(g.meta, "last_scheduled")), now - 1, 0.002);
}

TEST_P(TaskQueueContract, TaskDueInTheFutureRecordsNoFuturePeriod) {
  Queue(1);
  double now = Step(GuardThenTake()).now;
  GuardPart g = Guard(1, 60);
  g.scheduled_for = now + 86400;  // a producer whose clock runs a day ahead
  ASSERT_EQ(Step(GuardThenTake(g)).verdict, Verdict::kRun);
  ASSERT_TRUE(world_->HGet(g.meta, "last_scheduled"));
  EXPECT_LT(std::stod(*world_->HGet(g.meta, "last_scheduled")), now + 1) << "else the pair is blocked a day";
}

TEST_P(TaskQueueContract, TaskOfTheLastRunsPeriodIsTooSoonHoweverLate) {
  Queue(1);
  double now = Step(GuardThenTake()).now;
  GuardPart g = Guard(1, 60);
  Ran(*world_, g, now, 100, 90);  // ran 90 s ago, for the period due 100 s ago
  g.scheduled_for = now - 100;    // a duplicate of that period's task (requeued, or a second copy)
  EXPECT_EQ(Step(GuardThenTake(g)).verdict, Verdict::kTooSoon);
}

TEST_P(TaskQueueContract, NextPeriodsTaskWithinHalfAPeriodOfTheLastStartIsTooSoon) {
  Queue(1);
  double now = Step(GuardThenTake()).now;
  GuardPart g = Guard(1, 60);
  g.skew = 1;
  Ran(*world_, g, now, 60, 20);  // the last one ran 40 s late, 20 s ago
  g.scheduled_for = now;         // the next period's, on time: 20 s < 30 s after the last start
  EXPECT_EQ(Step(GuardThenTake(g)).verdict, Verdict::kTooSoon);
}

TEST_P(TaskQueueContract, WithoutScheduledTimesTheGuardKeepsAFullPeriod) {
  Queue(1);
  Queue(2);
  double now = Step(GuardThenTake()).now;
  GuardPart g = Guard(1, 60);
  world_->HSet(g.meta, "last_executed", std::to_string(now - 40));  // a record of an older build
  g.scheduled_for = now;
  EXPECT_EQ(Step(GuardThenTake(g)).verdict, Verdict::kTooSoon);
  GuardPart h = Guard(2, 60);
  Ran(*world_, h, now, 100, 40);
  h.scheduled_for = 0;  // a task without a scheduled time
  EXPECT_EQ(Step(GuardThenTake(h)).verdict, Verdict::kTooSoon);
}

TEST_P(TaskQueueContract, FinishAfterItsLockRanOutStoresTheRunAndSaysSo) {
  Queue(1);
  Queue(2);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  world_->Del(Guard(1).lock);  // its lifetime ran out (or Redis lost it)
  StepRequest req = GuardThenTake(Guard(2));
  req.finish = Finish(Guard(1));
  auto r = Step(req);
  EXPECT_TRUE(r.finished);
  EXPECT_TRUE(r.lock_lost);
  EXPECT_EQ(world_->StreamLength(Metrics()), 1);
  EXPECT_EQ(r.verdict, Verdict::kRun);
  StepRequest next;
  next.finish = Finish(Guard(2));
  auto r2 = Step(next);
  EXPECT_TRUE(r2.finished);
  EXPECT_FALSE(r2.lock_lost) << "a run that kept its lock";
}

TEST_P(TaskQueueContract, FinishWhileAnotherRunHoldsTheLockLeavesItsLock) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  world_->Set(Guard(1).lock, "another-run");
  StepRequest req;
  req.finish = Finish(Guard(1));
  auto r = Step(req);
  EXPECT_TRUE(r.lock_lost);
  EXPECT_EQ(world_->Get(Guard(1).lock), "another-run");
}

TEST_P(TaskQueueContract, SilentWorkersRunIsLeftAloneWhileItsLockLives) {
  Queue(1);
  Queue(2);
  RunFirstWithSecondPrefetched();  // task 1 runs (lock for 60 s), task 2 prefetched
  // No heartbeat: its agent is stopped (or dead). The lock lives, so the run may still go on.
  auto r = q_->Reap("w1", "crashed", "silent", true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->alive);
  EXPECT_TRUE(r->waiting);
  EXPECT_EQ(r->started, 0);
  EXPECT_EQ(r->requeued, 1);
  EXPECT_EQ(world_->List(queue_), Strings{"task-2"}) << "the unstarted task goes back at once";
  EXPECT_EQ(Inflight(), Strings{"task-1"});
  EXPECT_EQ(world_->Get(Guard(1).lock), "token-1") << "the run keeps its lock";
  EXPECT_EQ(world_->HGet(running_, "token"), "token-1");
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), std::nullopt);
  EXPECT_EQ(*q_->Workers(), Strings{}) << "never registered here; nothing added";

  // Resumed in time: its finish applies, and its prefetched task is gone.
  StepRequest s;
  s.finish = Finish(Guard(1));
  s.guard = Guard(2);
  auto resumed = Step(s);
  EXPECT_TRUE(resumed.finished);
  EXPECT_FALSE(resumed.lock_lost);
  EXPECT_EQ(resumed.verdict, Verdict::kGone);
}

TEST_P(TaskQueueContract, SilentWorkersRunIsReapedOnceItsLockRanOut) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  ASSERT_TRUE(q_->Heartbeat({"w1"}, 10000).ok());
  world_->Del(redis::keys::AgentHeartbeat(world_->prefix(), "w1"));
  world_->Del(Guard(1).lock);  // its lifetime ran out: the run has ended by its own deadline
  auto r = q_->Reap("w1", "crashed", "silent", true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->waiting);
  EXPECT_EQ(r->started, 1);
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "crashed");
  EXPECT_EQ(*q_->Workers(), Strings{});
}

TEST_P(TaskQueueContract, ReapRecordsNothingOverALaterRunsRecord) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  // Its lock ran out, and another agent's run took the pair and finished.
  world_->Del(Guard(1).lock);
  world_->HSet(Guard(1).meta, "last_executed", "9999999999.000000");
  world_->HSet(Guard(1).meta, "last_status", "ok");
  auto r = q_->Reap("w1", "crashed", "silent", true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->started, 1);
  EXPECT_EQ(world_->HGet(Guard(1).meta, "last_status"), "ok") << "the later run's record stands";
  EXPECT_EQ(Inflight(), Strings{});
}

}  // namespace
}  // namespace panoptes::testing
