// The agent's Lua scripts (src/agent/scripts.h) against a real redis-server: the one-round-trip
// step, its safety when retried after a lost reply, the supervisor's hand-back and the reaper.

#include <optional>

#include <gtest/gtest.h>

#include "agent/scripts.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

using agent::FinishPart;
using agent::GuardPart;
using agent::RunStep;
using agent::StepNext;
using agent::StepRequest;

class StepScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    prefix_ = redis_.Config().key_prefix;
    client_ = std::make_unique<redis::Client>(redis_.Config(), "step-test");
    keys_ = {redis::keys::AgentInflight(prefix_, "w1"), redis::keys::AgentRunning(prefix_, "w1"),
             redis::keys::Tasks(prefix_, PluginKind::kPolling)};
  }

  // A guard part for task `n` (the raw text is all the script compares).
  GuardPart Guard(int n, int frequency = 60) const {
    GuardPart g;
    g.raw = "task-" + std::to_string(n);
    g.lock = prefix_ + ":lock:polling:p:" + std::to_string(n);
    g.meta = prefix_ + ":meta:polling:p:" + std::to_string(n);
    g.token = "token-" + std::to_string(n);
    g.lock_ttl_ms = 60000;
    g.execute_frequency = frequency;
    g.expires_at = 1e18;
    g.task_id = std::to_string(n);
    g.plugin = "p";
    g.resource_id = "r" + std::to_string(n);
    return g;
  }
  FinishPart Finish(const GuardPart& g) const {
    FinishPart f;
    f.lock = g.lock;
    f.meta = g.meta;
    f.token = g.token;
    f.status = "ok";
    f.stored = true;
    f.outputs.push_back({prefix_ + ":metrics:local", true, 0, "group of " + g.task_id});
    return f;
  }
  // A step that guards `guard` (if any), then takes the next task.
  static StepRequest GuardThenTake(std::optional<GuardPart> guard = std::nullopt) {
    StepRequest req;
    req.guard = std::move(guard);
    req.next = StepNext::kTake;
    return req;
  }
  // With tasks 1 and 2 queued: takes task 1, then guards it (it runs) and prefetches task 2.
  agent::StepReply RunFirstWithSecondPrefetched() {
    Step(GuardThenTake());
    return Step(GuardThenTake(Guard(1)));
  }
  agent::StepReply Step(const StepRequest& req) {
    auto r = RunStep(*client_, keys_, req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : agent::StepReply{};
  }
  std::vector<std::string> List(const std::string& key) {
    auto r = client_->Command({"LRANGE", key, "0", "-1"});
    std::vector<std::string> out;
    for (const auto& e : r->elements) out.push_back(e.str);
    return out;
  }
  int64_t Int(const redis::Args& argv) { return client_->Command(argv)->integer; }
  std::string Str(const redis::Args& argv) { return client_->Command(argv)->str; }
  void Queue(int n) { (void)client_->Command({"LPUSH", keys_.queue, "task-" + std::to_string(n)}); }

  RedisServer redis_;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  agent::StepKeys keys_;
};

TEST_F(StepScriptTest, BusyWorkerFinishesGuardsAndTakesInOneStep) {
  Queue(1);
  Queue(2);
  Queue(3);
  auto r0 = Step(GuardThenTake());
  ASSERT_EQ(r0.taken, "task-1");
  EXPECT_EQ(r0.verdict, "") << "no guard part, no verdict";

  auto r1 = Step(GuardThenTake(Guard(1)));
  EXPECT_EQ(r1.verdict, "run");
  EXPECT_EQ(r1.taken, "task-2");
  EXPECT_EQ(List(keys_.inflight), (std::vector<std::string>{"task-2", "task-1"})) << "running at the tail";
  EXPECT_EQ(Str({"GET", Guard(1).lock}), "token-1");
  EXPECT_EQ(Str({"HGET", keys_.running, "token"}), "token-1");

  StepRequest s2 = GuardThenTake(Guard(2));
  s2.finish = Finish(Guard(1));
  auto r2 = Step(s2);
  EXPECT_TRUE(r2.finished);
  EXPECT_EQ(r2.verdict, "run");
  EXPECT_EQ(r2.taken, "task-3");
  EXPECT_EQ(List(keys_.inflight), (std::vector<std::string>{"task-3", "task-2"}));
  EXPECT_EQ(Int({"EXISTS", Guard(1).lock}), 0) << "task 1's lock released";
  EXPECT_EQ(Str({"HGET", Guard(1).meta, "last_status"}), "ok");
  EXPECT_NE(Str({"HGET", Guard(1).meta, "last_results"}), "");
  EXPECT_EQ(Str({"HGET", keys_.running, "token"}), "token-2");
  EXPECT_EQ(Int({"XLEN", prefix_ + ":metrics:local"}), 1);
}

TEST_F(StepScriptTest, RetriedStepAfterALostReplyChangesNothingMore) {
  Queue(1);
  Queue(2);
  Queue(3);
  RunFirstWithSecondPrefetched();
  StepRequest s2 = GuardThenTake(Guard(2));
  s2.finish = Finish(Guard(1));
  auto first = Step(s2);
  auto again = Step(s2);  // the same request, as Worker::Step retries it
  EXPECT_TRUE(first.finished);
  EXPECT_FALSE(again.finished) << "the finish must not run twice";
  EXPECT_EQ(again.verdict, "run") << "the guard already ran for this token";
  EXPECT_EQ(again.taken, first.taken) << "the take returns the task already in flight";
  EXPECT_EQ(List(keys_.inflight), (std::vector<std::string>{"task-3", "task-2"}));
  EXPECT_EQ(Int({"LLEN", keys_.queue}), 0);
  EXPECT_EQ(Int({"XLEN", prefix_ + ":metrics:local"}), 1) << "outputs written once";
}

TEST_F(StepScriptTest, GuardSkipsAcknowledgeAtTheTail) {
  Queue(1);
  Queue(2);
  (void)client_->Command({"HSET", Guard(1).meta, "last_executed", "9999999999"});  // ran "just now"
  Step(GuardThenTake());
  auto r1 = Step(GuardThenTake(Guard(1)));
  EXPECT_EQ(r1.verdict, "too soon");
  EXPECT_EQ(r1.taken, "task-2");
  EXPECT_EQ(List(keys_.inflight), (std::vector<std::string>{"task-2"})) << "the skipped task is acknowledged";
  EXPECT_EQ(Int({"EXISTS", keys_.running}), 0);
  (void)client_->Command({"SET", Guard(2).lock, "someone-else"});
  StepRequest s2;
  s2.guard = Guard(2);
  auto r2 = Step(s2);
  EXPECT_EQ(r2.verdict, "locked");
  EXPECT_EQ(List(keys_.inflight), std::vector<std::string>{});
  EXPECT_EQ(Str({"GET", Guard(2).lock}), "someone-else") << "another owner's lock is left alone";
}

TEST_F(StepScriptTest, HandedBackTaskIsGoneForTheWorkerAndNextOnTheQueue) {
  Queue(1);
  Queue(2);
  ASSERT_EQ(RunFirstWithSecondPrefetched().taken, "task-2");
  Queue(3);  // newer work arrives meanwhile
  auto moved = agent::HandBackPrefetched(*client_, prefix_, PluginKind::kPolling, "w1");
  ASSERT_TRUE(moved.ok() && *moved);
  EXPECT_EQ(List(keys_.inflight), (std::vector<std::string>{"task-1"})) << "only the running task stays";
  EXPECT_EQ(List(keys_.queue), (std::vector<std::string>{"task-3", "task-2"})) << "task 2 is taken next";
  auto again = agent::HandBackPrefetched(*client_, prefix_, PluginKind::kPolling, "w1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "the running task is never handed back";

  StepRequest s2;
  s2.finish = Finish(Guard(1));
  s2.guard = Guard(2);
  auto r2 = Step(s2);
  EXPECT_TRUE(r2.finished);
  EXPECT_EQ(r2.verdict, "gone");
  EXPECT_EQ(Int({"EXISTS", Guard(2).lock}), 0) << "no lock taken for a task the worker no longer holds";
  EXPECT_EQ(Int({"EXISTS", keys_.running}), 0);
}

TEST_F(StepScriptTest, StoppingWorkerHandsBackItsPrefetchedTask) {
  Queue(1);
  Queue(2);
  RunFirstWithSecondPrefetched();
  StepRequest stop;
  stop.finish = Finish(Guard(1));
  stop.next = StepNext::kHandBack;
  auto r = Step(stop);
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(List(keys_.inflight), std::vector<std::string>{});
  EXPECT_EQ(List(keys_.queue), (std::vector<std::string>{"task-2"}));
}

TEST_F(StepScriptTest, ReaperRecordsTheStartedTaskAndRequeuesThePrefetchedOne) {
  Queue(1);
  Queue(2);
  RunFirstWithSecondPrefetched();
  auto reaped = agent::ReapWorker(*client_, prefix_, PluginKind::kPolling, "w1", "crashed", "gone", false);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(reaped->started, 1);
  EXPECT_EQ(reaped->requeued, 1);
  EXPECT_EQ(Str({"HGET", Guard(1).meta, "last_status"}), "crashed");
  EXPECT_EQ(Int({"EXISTS", Guard(1).lock}), 0);
  EXPECT_EQ(List(keys_.queue), (std::vector<std::string>{"task-2"})) << "the started task is not run again";
  EXPECT_EQ(Int({"EXISTS", keys_.inflight}), 0);
}

}  // namespace
}  // namespace panoptes::testing
