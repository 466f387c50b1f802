// The worker's state machine (src/agent/worker_core.h) over MemoryTaskQueue, with faults injected
// by FaultyTaskQueue: lost replies, outages, failovers, stops and recycling. No Redis, no Python:
// the plugin runner is a fake that returns one metrics group per run.

#include "agent/worker_core.h"

#include <chrono>
#include <utility>

#include <gtest/gtest.h>

#include "agent/faulty_task_queue.h"
#include "agent/memory_task_queue.h"
#include "model/identity.h"
#include "model/json.h"

namespace panoptes::testing {
namespace {

using agent::FaultyTaskQueue;
using agent::Worker;
using agent::WorkerExit;
using Op = FaultyTaskQueue::Op;
using Strings = std::vector<std::string>;

const char kQueue[] = "t:tasks:polling";
const char kInflight[] = "t:agent:inflight:w1";
const char kMetrics[] = "t:metrics:local";

class OnePluginCatalog : public agent::PluginCatalog {
 public:
  OnePluginCatalog() {
    auto info = std::make_shared<PluginInfo>();
    info->kind = PluginKind::kPolling;
    info->name = "p";
    info->normalized_name = "p";
    info->execute_frequency = 60;
    info->time_limit = 5;
    info_ = info;
  }
  std::shared_ptr<const PluginInfo> Find(const std::string& name) override {
    return name == "p" ? info_ : nullptr;
  }

 private:
  std::shared_ptr<const PluginInfo> info_;
};

// Returns one metrics group per run and records the resource ids it ran for.
class FakeRunner : public agent::PluginRunner {
 public:
  std::function<void(const Task&)> during_run;  // called inside each run
  Strings ran;
  Status load_status;                    // what Load answers
  agent::BoardSlot* board = nullptr;     // when set: its import mark is recorded...
  std::vector<uint32_t> importing_seen;  // ...during each Load, then each Run

  Status Load(const PluginInfo&) override {
    if (board) importing_seen.push_back(board->importing.load());
    return load_status;
  }
  python::RunOutcome Run(const PluginInfo&, const Task& task, EnrichmentSource&) override {
    if (board) importing_seen.push_back(board->importing.load());
    ran.push_back(task.resource->id);
    if (during_run) during_run(task);
    MetricsGroup g;
    g.group_type = "bench";
    g.interval = 60;
    g.resource = *task.resource;
    g.metrics.push_back({"up", int64_t{1}, MetricType::kGauge, 0});
    python::RunOutcome outcome;
    outcome.status = python::RunStatus::kOk;
    outcome.result = PollingResult{{g}};
    return outcome;
  }
  Status StoreDiscovered(const PluginInfo&, const DiscoveryResult&) override { return Status::Ok(); }
};

// The run deadline on a fake clock, which the worker's sleeps (and the queue's stalls) advance.
class FakeDeadline : public agent::RunDeadline {
 public:
  static constexpr int64_t kStartMs = 1'000'000;
  int64_t now_ms = kStartMs;
  std::vector<int64_t> armed;  // each Arm's deadline
  int disarmed = 0;
  int64_t NowMs() override { return now_ms; }
  void Arm(int64_t at_ms) override { armed.push_back(at_ms); }
  void Disarm() override { ++disarmed; }
};

// Stalls after the reply of the next step that carries a guard: the worker stopped (SIGSTOP)
// between the guard and the plugin's start.
class StallingQueue : public FaultyTaskQueue {
 public:
  StallingQueue(agent::TaskQueue& inner, FakeDeadline& clock) : FaultyTaskQueue(inner), clock_(clock) {}
  int64_t stall_ms = 0;
  Result<agent::StepReply> Step(const std::string& worker_id, const agent::StepRequest& request) override {
    auto r = FaultyTaskQueue::Step(worker_id, request);
    if (request.guard && stall_ms > 0) clock_.now_ms += std::exchange(stall_ms, 0);
    return r;
  }

 private:
  FakeDeadline& clock_;
};

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class WorkerTest : public ::testing::Test {
 protected:
  // The queue's clock moves with the deadline's.
  WorkerTest()
      : store_(std::make_shared<agent::MemoryStore>([this] {
          return wall0_ + static_cast<double>(deadline_.now_ms - FakeDeadline::kStartMs) / 1000;
        })),
        inner_(store_, "t", PluginKind::kPolling),
        queue_(inner_, deadline_) {}

  std::unique_ptr<Worker> MakeWorker(int max_tasks = 100) {
    agent::WorkerConfig c;
    c.prefix = "t";
    c.worker_id = "w1";
    c.max_tasks = max_tasks;
    c.block_ms = 10;
    c.retry_budget_ms = 2000;
    return std::make_unique<Worker>(
        c, agent::WorkerDeps{queue_, catalog_, runner_, board_, [this] { return stop_; },
                             [this](int ms) {
                               sleeps_.push_back(ms);
                               deadline_.now_ms += ms;
                             },
                             [this] { return "token-" + std::to_string(++tokens_); }, nullptr, &deadline_});
  }
  // Resource r<n>, the one task n is for.
  static Resource TestResource(int n) {
    Resource r;
    r.site = "local";
    r.class_ = "network";
    r.subclass = "switch";
    r.type = "bench";
    r.id = "r" + std::to_string(n);
    r.endpoint = "127.0.0.1";
    r.plugin = "discovery";
    return r;
  }
  // Queues a valid task for resource r<n> (or `raw` as is).
  void Queue(int n, const std::string& plugin = "p", double scheduled_for = 1) {
    Task t;
    t.id = "task-" + std::to_string(n);
    t.plugin = plugin;
    Resource r = TestResource(n);
    t.resource = r;
    t.signature = model::Signature("p", &r);
    t.scheduled_for = scheduled_for;
    QueueRaw(model::SerializeTask(t));
  }
  void QueueRaw(const std::string& raw) {
    std::lock_guard lock(store_->mutex());
    store_->List(kQueue).push_front(raw);
  }
  Strings List(const std::string& key) {
    std::lock_guard lock(store_->mutex());
    const auto& l = store_->List(key);
    return {l.begin(), l.end()};
  }
  size_t Stream() {
    std::lock_guard lock(store_->mutex());
    return store_->Stream(kMetrics).size();
  }
  std::string Meta(int n, const std::string& field) {
    std::lock_guard lock(store_->mutex());
    for (const auto& [key, value] : store_->Hash(MetaKey(n))) {
      if (key == field) return value;
    }
    return "";
  }
  std::string MetaKey(int n) {
    Resource r = TestResource(n);
    return "t:meta:polling:p:" + model::Signature("p", &r);
  }
  // Advances until `pred` holds (at most 100 transitions).
  ::testing::AssertionResult AdvanceUntil(Worker& w, const std::function<bool()>& pred,
                                          const std::string& what) {
    for (int i = 0; i < 100; ++i) {
      if (pred()) return ::testing::AssertionSuccess();
      if (auto done = w.Advance()) return ::testing::AssertionFailure() << "worker exited before " << what;
    }
    return pred() ? ::testing::AssertionSuccess() : ::testing::AssertionFailure() << "never: " << what;
  }

  double wall0_ = WallNow();
  FakeDeadline deadline_;
  std::shared_ptr<agent::MemoryStore> store_;
  agent::MemoryTaskQueue inner_;
  StallingQueue queue_;
  OnePluginCatalog catalog_;
  FakeRunner runner_;
  agent::BoardSlot board_;
  bool stop_ = false;
  std::vector<int> sleeps_;
  int tokens_ = 0;
};

TEST_F(WorkerTest, RunsEachQueuedTaskOnceInOneStepPerTask) {
  for (int n = 1; n <= 3; ++n) Queue(n);
  auto w = MakeWorker(3);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, (Strings{"r1", "r2", "r3"}));
  EXPECT_EQ(Stream(), 3u);
  EXPECT_EQ(Meta(2, "last_status"), "ok");
  EXPECT_EQ(List(kInflight), Strings{});
  EXPECT_EQ(List(kQueue), Strings{});
  // A step per task, plus the first take (the in-flight list is checked first), the last finish
  // and the hand-back at exit.
  EXPECT_EQ(queue_.calls(Op::kStep), 6);
  EXPECT_EQ(queue_.calls(Op::kTake), 0) << "a busy worker never blocks";
  EXPECT_EQ(board_.executed[0].load(), 3u);
}

TEST_F(WorkerTest, LostReplyOfAFinishingStepIsRetriedAndAppliesOnce) {
  Queue(1);
  Queue(2);
  auto w = MakeWorker(2);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "task 1 runs"));
  queue_.LoseNextReplies(1, Status::IOError("connection reset"), Op::kStep);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, (Strings{"r1", "r2"})) << "each task ran once";
  EXPECT_EQ(Stream(), 2u) << "task 1's outputs written once";
  EXPECT_EQ(w->finishes_refused(), 0) << "a retried finish is not a refused one";
  EXPECT_EQ(queue_.faults(), 1);
}

TEST_F(WorkerTest, LostReplyOfAGuardStillRunsTheTaskOnce) {
  Queue(1);
  auto w = MakeWorker(1);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return w->state() == Worker::State::kStep; }, "task 1 is taken"));
  queue_.LoseNextReplies(1, Status::Unavailable("timeout"), Op::kStep);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, Strings{"r1"});
  EXPECT_EQ(Stream(), 1u);
  EXPECT_EQ(List(kInflight), Strings{});
}

TEST_F(WorkerTest, LostReplyOfABlockingTakeIsRecoveredFromTheInflightList) {
  Queue(1);
  queue_.LoseNextReplies(1, Status::IOError("reply lost"), Op::kTake);
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, Strings{"r1"}) << "the task moved in flight is found there";
}

TEST_F(WorkerTest, StopWhileHoldingAPrefetchedTaskHandsItBackUnrun) {
  Queue(1);
  Queue(2);
  runner_.during_run = [&](const Task&) { stop_ = true; };
  auto w = MakeWorker();
  EXPECT_EQ(w->Run(), WorkerExit::kStopped);
  EXPECT_EQ(runner_.ran, Strings{"r1"});
  EXPECT_EQ(Stream(), 1u) << "the running task is finished";
  EXPECT_EQ(List(kInflight), Strings{});
  ASSERT_EQ(List(kQueue).size(), 1u) << "the prefetched task is back on the queue";
  EXPECT_NE(List(kQueue)[0].find("\"r2\""), std::string::npos);
  EXPECT_EQ(Meta(2, "last_executed"), "") << "and was never guarded";
}

TEST_F(WorkerTest, MaxTasksRecyclesAfterThatManyAndLeavesTheRestQueued) {
  for (int n = 1; n <= 5; ++n) Queue(n);
  auto w = MakeWorker(2);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, (Strings{"r1", "r2"}));
  EXPECT_EQ(List(kQueue).size(), 3u);
  EXPECT_EQ(List(kInflight), Strings{});
}

TEST_F(WorkerTest, OutageWhileIdleIsWaitedOut) {
  queue_.FailNext(5, Status::Unavailable("connection refused"));
  Queue(1);
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, Strings{"r1"});
  EXPECT_EQ(sleeps_.size(), 5u) << "one pause per failed idle call";
}

TEST_F(WorkerTest, OutageWithATaskInHandIsRetriedWithBackoff) {
  Queue(1);
  auto w = MakeWorker(1);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "task 1 runs"));
  queue_.FailNext(4, Status::Unavailable("connection refused"));
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(sleeps_, (std::vector<int>{50, 100, 200, 400}));
  EXPECT_EQ(Stream(), 1u);
  EXPECT_EQ(Meta(1, "last_status"), "ok");
}

TEST_F(WorkerTest, FailoverAnswersReadOnlyThenUnavailableAndIsRetried) {
  Queue(1);
  Queue(2);
  auto w = MakeWorker(2);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "task 1 runs"));
  // The demoted master refuses the write; then the new master is not reachable yet.
  queue_.FailNext(1, Status::Unavailable("READONLY You can't write against a read only replica."));
  EXPECT_EQ(w->Advance(), std::nullopt);
  queue_.FailNext(3, Status::Unavailable("not connected (backing off)"));
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, (Strings{"r1", "r2"}));
  EXPECT_EQ(Stream(), 2u);
}

TEST_F(WorkerTest, OutageBeyondTheRetryBudgetLeavesTheTaskInFlightForTheReaper) {
  Queue(1);
  auto w = MakeWorker(1);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "task 1 runs"));
  queue_.FailNext(1000, Status::Unavailable("connection refused"));
  EXPECT_EQ(w->Run(), WorkerExit::kQueueLost);
  EXPECT_EQ(List(kInflight).size(), 1u) << "not acknowledged";
  int waited = 0;
  for (int ms : sleeps_) waited += ms;
  EXPECT_GE(waited, 2000) << "it retried for its whole budget";
}

TEST_F(WorkerTest, ScriptErrorIsNotRetried) {
  Queue(1);
  auto w = MakeWorker(1);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "task 1 runs"));
  queue_.FailNext(1, Status::RedisError("ERR script failed"));
  EXPECT_EQ(w->Run(), WorkerExit::kQueueLost);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(WorkerTest, FinishOfARunReapedMeanwhileIsRefusedCountedAndDropped) {
  Queue(1);
  runner_.during_run = [&](const Task&) {
    ASSERT_TRUE(inner_.Reap("w1", "crashed", "taken for dead", false).ok());
  };
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(w->finishes_refused(), 1);
  EXPECT_EQ(board_.finish_refused.load(), 1u);
  EXPECT_EQ(Stream(), 0u) << "the refused run's outputs are not written";
  EXPECT_EQ(Meta(1, "last_status"), "crashed");
}

TEST_F(WorkerTest, InvalidTasksAreDeadLetteredWithTheirReason) {
  QueueRaw("not json");
  Queue(2, "nope");
  auto w = MakeWorker(2);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  Strings dead = List("t:deadletter:polling");
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_NE(dead[1].find("invalid"), std::string::npos) << dead[1];
  EXPECT_NE(dead[0].find("unknown plugin"), std::string::npos) << dead[0];
  EXPECT_EQ(board_.deadlettered[0].load(), 1u);
  EXPECT_EQ(board_.deadlettered[1].load(), 1u);
  EXPECT_TRUE(runner_.ran.empty());
  EXPECT_EQ(List(kInflight), Strings{});
}

// --- stalls: the run's own deadline, its start stamp, a lock lost ---

TEST_F(WorkerTest, RunIsArmedWithItsTimeLimitBeforeItStartsAndDisarmedAfter) {
  Queue(1);
  size_t armed_in_run = 0;
  int disarmed_in_run = -1;
  runner_.during_run = [&](const Task&) {
    armed_in_run = deadline_.armed.size();
    disarmed_in_run = deadline_.disarmed;
  };
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(armed_in_run, 1u);
  EXPECT_EQ(disarmed_in_run, 0);
  ASSERT_EQ(deadline_.armed.size(), 1u);
  EXPECT_EQ(deadline_.armed[0], FakeDeadline::kStartMs + 5000) << "the plugin's time limit of 5 s";
  EXPECT_EQ(deadline_.disarmed, 1);
  EXPECT_EQ(board_.deadline_ms.load(), deadline_.armed[0]) << "the supervisor reads it";
}

TEST_F(WorkerTest, RetriedGuardRunsOnlyUntilItsLocksLifetimeFromTheFirstAttempt) {
  Queue(1);
  auto w = MakeWorker(1);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return w->state() == Worker::State::kStep; }, "task 1 is taken"));
  // The guard applies at once (the lock is set then), but its replies are lost for 2.55 s.
  queue_.LoseNextReplies(6, Status::IOError("connection reset"), Op::kStep);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  ASSERT_EQ(runner_.ran, Strings{"r1"});
  ASSERT_EQ(deadline_.armed.size(), 1u);
  // L = 5 s + 3 s + 5 s / 500 = 8010 ms, kept clear of its end by 1 s + L / 1000 = 1008 ms.
  EXPECT_EQ(deadline_.armed[0], FakeDeadline::kStartMs + 8010 - 1008)
      << "capped by the lock's lifetime, not 5 s after the late start";
}

TEST_F(WorkerTest, GuardAnsweredTooLateForItsLockIsRecordedNotRun) {
  Queue(1);
  queue_.stall_ms = 5000;  // stopped for 5 s between the guard and the start
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_TRUE(runner_.ran.empty()) << "less than half the time limit was left before the lock may end";
  EXPECT_TRUE(deadline_.armed.empty());
  EXPECT_EQ(Meta(1, "last_status"), "timeout");
  EXPECT_NE(Meta(1, "last_error").find("not started"), std::string::npos) << Meta(1, "last_error");
  EXPECT_EQ(board_.executed[3].load(), 1u) << "counted as a timeout";
  std::lock_guard lock(store_->mutex());
  EXPECT_TRUE(store_->List(kInflight).empty());
  EXPECT_FALSE(store_->Exists("t:agent:running:w1"));
}

TEST_F(WorkerTest, LastExecutedIsThePluginsStartNotTheGuardsTime) {
  Queue(1);
  queue_.stall_ms = 2000;  // stopped for 2 s between the guard and the start
  std::string at_guard;
  runner_.during_run = [&](const Task&) { at_guard = Meta(1, "last_executed"); };
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  ASSERT_EQ(runner_.ran, Strings{"r1"});
  ASSERT_FALSE(at_guard.empty());
  EXPECT_NEAR(std::stod(Meta(1, "last_executed")) - std::stod(at_guard), 2.0, 0.002);
  ASSERT_EQ(deadline_.armed.size(), 1u);
  EXPECT_EQ(deadline_.armed[0], FakeDeadline::kStartMs + 2000 + 5000) << "the time limit from the start";
}

TEST_F(WorkerTest, LockGoneAtTheFinishIsCountedAndTheResultsStored) {
  Queue(1);
  runner_.during_run = [&](const Task&) {
    std::lock_guard lock(store_->mutex());
    store_->Del("t:lock:polling:p:" + MetaKey(1).substr(MetaKey(1).rfind(':') + 1));
  };
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(w->locks_lost(), 1);
  EXPECT_EQ(board_.lock_lost.load(), 1u);
  EXPECT_EQ(w->finishes_refused(), 0);
  EXPECT_EQ(Stream(), 1u);
  EXPECT_EQ(Meta(1, "last_status"), "ok");
}

TEST_F(WorkerTest, LateRunAfterAnOutageDoesNotCostTheNextCycle) {
  double due = wall0_ - 20;  // due 20 s ago: Redis was restarting
  Queue(1, "p", due);
  auto w = MakeWorker(3);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 1; }, "the late task runs"));
  deadline_.now_ms += 40'000;  // the next period's task comes on time, 40 s after that start
  Queue(1, "p", due + 60);
  ASSERT_TRUE(AdvanceUntil(
      *w, [&] { return runner_.ran.size() == 2; }, "the next period's task runs"));
  Queue(1, "p", due + 60);  // and a second copy of it is too soon
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran.size(), 2u);
  EXPECT_EQ(board_.skipped[1].load(), 1u) << "too soon";
}

TEST_F(WorkerTest, ImportIsMarkedOnTheBoardSoThatACrashThereQuarantinesThePlugin) {
  Queue(1);
  runner_.board = &board_;
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.importing_seen, (std::vector<uint32_t>{1, 0})) << "marked during Load, not during Run";
  EXPECT_EQ(board_.importing.load(), 0u);
}

TEST_F(WorkerTest, FailedImportIsTheRunsErrorAndCountsTowardsQuarantine) {
  Queue(1);
  runner_.load_status = Status::PythonError("SyntaxError at import");
  auto w = MakeWorker(1);
  EXPECT_EQ(w->Run(), WorkerExit::kRecycled);
  EXPECT_EQ(runner_.ran, Strings{}) << "nothing runs without its code";
  EXPECT_EQ(Meta(1, "last_status"), "error");
  EXPECT_NE(Meta(1, "last_error").find("SyntaxError at import"), std::string::npos);
  EXPECT_EQ(Meta(1, "failures"), "1") << "the worker sends the pair's health part";
}

}  // namespace
}  // namespace panoptes::testing
