// The TaskQueue contract, continued (task_queue_contract.h): quarantine and freshness. A pair
// that fails quarantine_after times in a row is skipped for twice its frequency, doubling per
// failure up to the cap; an ok run, a code change or Unquarantine ends it; a plugin whose import
// crashed a worker is skipped as a whole; HealthReport counts what /metrics exports.

#include "contract/task_queue_contract.h"
#include "redis/keys.h"
#include "redis/number.h"

namespace panoptes::testing {

agent::Verdict TaskQueueContract::RunOnce(const agent::GuardPart& g, const std::string& status, bool due) {
  if (due && world_->HGet(g.meta, "last_executed")) world_->HSet(g.meta, "last_executed", "1");
  world_->LPush(queue_, g.raw);
  Step(GuardThenTake());
  agent::StepRequest guard;
  guard.guard = g;
  auto verdict = Step(guard).verdict.value_or(agent::Verdict::kGone);
  if (verdict == agent::Verdict::kRun) {
    agent::StepRequest finish;
    finish.finish = Finish(g);
    finish.finish->status = status;
    finish.finish->stored = status == "ok";
    EXPECT_TRUE(Step(finish).finished);
  }
  EXPECT_EQ(Inflight(), std::vector<std::string>{}) << "every verdict but gone acknowledges the task";
  return verdict;
}

std::optional<double> TaskQueueContract::QuarantineLeft(const agent::GuardPart& g) {
  auto until = world_->HGet(g.meta, "quarantined_until");
  if (!until) return std::nullopt;
  agent::StepRequest nothing;
  return std::stod(*until) - Step(nothing).now;
}

namespace {

using agent::Verdict;

std::string QuarantineSet(const TaskQueueWorld& w) {
  return redis::keys::Quarantine(w.prefix(), PluginKind::kPolling);
}
std::string FreshnessSet(const TaskQueueWorld& w) {
  return redis::keys::Freshness(w.prefix(), PluginKind::kPolling);
}

TEST_P(TaskQueueContract, ErrorsInARowQuarantineThePairWithABackoffDoublingUpToTheCap) {
  agent::GuardPart g = Guard(1, 60);  // quarantine_after 3, cap 300 s
  EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  EXPECT_EQ(world_->HGet(g.meta, "failures"), "2");
  EXPECT_EQ(QuarantineLeft(g), std::nullopt) << "two failures do not quarantine yet";
  EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  ASSERT_TRUE(QuarantineLeft(g));
  EXPECT_NEAR(*QuarantineLeft(g), 120, 2) << "the first quarantine lasts twice the frequency";
  ASSERT_TRUE(world_->ZScore(QuarantineSet(*world_), "p:1"));
  EXPECT_NEAR(*world_->ZScore(QuarantineSet(*world_), "p:1"),
              std::stod(*world_->HGet(g.meta, "quarantined_until")), 0.01);
  EXPECT_EQ(RunOnce(g, "ok"), Verdict::kQuarantined) << "skipped while it lasts";

  world_->HSet(g.meta, "quarantined_until", "1");  // it ran out
  EXPECT_EQ(RunOnce(g, "timeout"), Verdict::kRun);
  EXPECT_NEAR(*QuarantineLeft(g), 240, 2) << "doubled";
  world_->HSet(g.meta, "quarantined_until", "1");
  EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  EXPECT_NEAR(*QuarantineLeft(g), 300, 2) << "480 s capped at quarantine_backoff_max_s";
  EXPECT_EQ(world_->HGet(g.meta, "failures"), "5");
}

TEST_P(TaskQueueContract, OkRunEndsTheQuarantineAndPushesTheFreshnessDeadline) {
  agent::GuardPart g = Guard(1, 60);
  for (int i = 0; i < 3; ++i) RunOnce(g, "error");
  ASSERT_TRUE(QuarantineLeft(g));
  auto first_seen = world_->ZScore(FreshnessSet(*world_), "p:1");
  ASSERT_TRUE(first_seen) << "a pair is tracked from its first run";
  EXPECT_EQ(world_->HGet(g.meta, "last_ok"), std::nullopt);
  world_->HSet(g.meta, "quarantined_until", "1");
  EXPECT_EQ(RunOnce(g, "ok"), Verdict::kRun);
  EXPECT_EQ(world_->HGet(g.meta, "failures"), std::nullopt);
  EXPECT_EQ(world_->HGet(g.meta, "quarantined_until"), std::nullopt);
  EXPECT_EQ(world_->ZScore(QuarantineSet(*world_), "p:1"), std::nullopt);
  ASSERT_TRUE(world_->HGet(g.meta, "last_ok"));
  EXPECT_NEAR(*world_->ZScore(FreshnessSet(*world_), "p:1"),
              std::stod(*world_->HGet(g.meta, "last_ok")) + 180, 0.01)
      << "stale 3 frequencies after its last ok result";
  EXPECT_EQ(RunOnce(g, "error", false), Verdict::kTooSoon) << "the frequency guard still applies";
}

TEST_P(TaskQueueContract, EmptyRunEndsTheQuarantineButIsNoOkResult) {
  agent::GuardPart g = Guard(1, 60);
  for (int i = 0; i < 3; ++i) RunOnce(g, "error");
  world_->HSet(g.meta, "quarantined_until", "1");
  RunOnce(g, "empty");
  EXPECT_EQ(world_->HGet(g.meta, "failures"), std::nullopt);
  EXPECT_EQ(world_->HGet(g.meta, "last_ok"), std::nullopt);
}

TEST_P(TaskQueueContract, ChangedCodeEndsTheQuarantineAtOnce) {
  agent::GuardPart g = Guard(1, 60);
  for (int i = 0; i < 3; ++i) RunOnce(g, "error");
  ASSERT_EQ(RunOnce(g, "ok"), Verdict::kQuarantined);
  g.code_mtime = 9e9;  // the plugin file changed after the failed run
  EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  EXPECT_EQ(world_->HGet(g.meta, "failures"), "1") << "the count started again";
  EXPECT_EQ(QuarantineLeft(g), std::nullopt);
}

TEST_P(TaskQueueContract, QuarantineAfterZeroNeverQuarantines) {
  agent::GuardPart g = Guard(1, 60);
  g.health.quarantine_after = 0;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(RunOnce(g, "error"), Verdict::kRun);
  EXPECT_EQ(QuarantineLeft(g), std::nullopt);
}

TEST_P(TaskQueueContract, UnquarantineEndsOnePairsOrAllOfAPluginsQuarantines) {
  agent::GuardPart g1 = Guard(1, 60), g2 = Guard(2, 60);
  for (int i = 0; i < 3; ++i) {
    RunOnce(g1, "error");
    RunOnce(g2, "error");
  }
  auto none = q_->Unquarantine("other", "");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0);
  auto one = q_->Unquarantine("p", "r1");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(world_->HGet(g1.meta, "failures"), std::nullopt);
  EXPECT_EQ(RunOnce(g1, "ok"), Verdict::kRun);
  EXPECT_EQ(RunOnce(g2, "ok"), Verdict::kQuarantined) << "the other pair stays quarantined";
  EXPECT_EQ(*q_->Unquarantine("p", ""), 1);
  EXPECT_EQ(RunOnce(g2, "ok"), Verdict::kRun);
}

TEST_P(TaskQueueContract, ReapedCrashOrTimeoutCountsAsAFailure) {
  agent::GuardPart g = Guard(1, 60);
  g.health.quarantine_after = 1;
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(g));
  auto reaped = q_->Reap("w1", "crashed", "segfault", false);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(world_->HGet(g.meta, "failures"), "1");
  ASSERT_TRUE(QuarantineLeft(g));
  EXPECT_NEAR(*QuarantineLeft(g), 120, 2);
}

TEST_P(TaskQueueContract, ReaperCountsTheRunOfAStepThatFinishedAnotherRunOfTheSamePolicy) {
  agent::GuardPart g1 = Guard(1, 60), g2 = Guard(2, 60);
  g1.health.quarantine_after = g2.health.quarantine_after = 1;
  Queue(1);
  Queue(2);
  Step(GuardThenTake());
  Step(GuardThenTake(g1));
  agent::StepRequest s2 = GuardThenTake(g2);
  s2.finish = Finish(g1);
  ASSERT_EQ(Step(s2).verdict, Verdict::kRun);
  EXPECT_EQ(world_->HGet(running_, "entry"), "p:2");
  EXPECT_EQ(world_->HGet(running_, "after"), "1");
  ASSERT_TRUE(q_->Reap("w1", "timeout", "no finish", false).ok());
  EXPECT_EQ(world_->HGet(g2.meta, "failures"), "1");
  ASSERT_TRUE(QuarantineLeft(g2));
  EXPECT_NEAR(*QuarantineLeft(g2), 120, 2) << "the policy its guard kept in the running record";
  EXPECT_EQ(world_->HGet(g1.meta, "failures"), std::nullopt);
}

TEST_P(TaskQueueContract, RunningRecordHoldsThePolicyOfTheRunItIsFor) {
  agent::GuardPart g1 = Guard(1, 60), g2 = Guard(2, 60), g3 = Guard(3, 60);
  g2.health.quarantine_after = 5;
  g2.health.stale_after_s = 7;
  g3.health = agent::HealthPart{};  // no quarantine nor freshness for this one
  for (int n : {1, 2, 3, 4}) Queue(n);
  Step(GuardThenTake());
  Step(GuardThenTake(g1));
  agent::StepRequest s2 = GuardThenTake(g2);
  s2.finish = Finish(g1);
  ASSERT_EQ(Step(s2).verdict, Verdict::kRun);
  EXPECT_EQ(world_->HGet(running_, "after"), "5");
  EXPECT_EQ(world_->HGet(running_, "stale"), "7");
  agent::StepRequest s3 = GuardThenTake(g3);
  s3.finish = Finish(g2);
  ASSERT_EQ(Step(s3).verdict, Verdict::kRun);
  EXPECT_EQ(world_->HGet(running_, "token"), "token-3");
  EXPECT_EQ(world_->HGet(running_, "entry"), std::nullopt) << "nothing of the finished run's policy stays";
  EXPECT_EQ(world_->HGet(running_, "after"), std::nullopt);
}

TEST_P(TaskQueueContract, AFailedFirstRunEntersThePairIntoTheFreshnessSet) {
  agent::GuardPart g = Guard(1, 60);
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(g));
  EXPECT_EQ(world_->ZScore(FreshnessSet(*world_), "p:1"), std::nullopt) << "entered at its end";
  agent::StepRequest finish;
  finish.finish = Finish(g);
  finish.finish->status = "error";
  auto r = Step(finish);
  ASSERT_TRUE(world_->ZScore(FreshnessSet(*world_), "p:1"));
  EXPECT_NEAR(*world_->ZScore(FreshnessSet(*world_), "p:1"), r.now + 180, 1);
  world_->ZAdd(FreshnessSet(*world_), 5, "p:1");
  EXPECT_EQ(RunOnce(g, "empty"), Verdict::kRun);
  EXPECT_EQ(world_->ZScore(FreshnessSet(*world_), "p:1"), 5) << "only an ok run pushes the deadline";
}

TEST_P(TaskQueueContract, MetaTtlIsRenewedByARunThatFindsLessThanItsTtlLeft) {
  agent::GuardPart g = Guard(1, 60);
  auto expires = [&] { return std::stod(world_->HGet(g.meta, "expires_at").value_or("0")); };
  auto now = [&] { return Step(agent::StepRequest{}).now; };
  const double ttl = agent::kMetaTtlSeconds, renew = agent::kMetaTtlRenewSeconds;
  EXPECT_EQ(RunOnce(g, "ok"), Verdict::kRun);
  EXPECT_NEAR(expires(), now() + ttl + renew, 2) << "a new meta";
  world_->HSet(g.meta, "expires_at", redis::FixedNumber(now() + ttl + 100));
  double kept = expires();
  EXPECT_EQ(RunOnce(g, "ok"), Verdict::kRun);
  EXPECT_EQ(expires(), kept) << "more than its TTL left: not renewed";
  world_->HSet(g.meta, "expires_at", redis::FixedNumber(now() + ttl - 100));
  EXPECT_EQ(RunOnce(g, "ok"), Verdict::kRun);
  EXPECT_NEAR(expires(), now() + ttl + renew, 2) << "renewed";
  world_->HSet(g.meta, "expires_at", "1");
  Queue(1);
  Step(GuardThenTake());
  world_->HSet(g.meta, "last_executed", "1");
  Step(GuardThenTake(g));
  world_->HSet(g.meta, "expires_at", "1");
  ASSERT_TRUE(q_->Reap("w1", "crashed", "segfault", false).ok());
  EXPECT_NEAR(expires(), now() + ttl + renew, 2) << "a reaped run's record renews it too";
}

TEST_P(TaskQueueContract, ImportCrashQuarantinesTheWholePluginUntilItsCodeChanges) {
  agent::GuardPart g1 = Guard(1, 60), g2 = Guard(2, 60);
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(g1));
  auto name = q_->QuarantinePlugin("w1", "importing its code: killed by SIGSEGV");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(*name, "p");
  ASSERT_TRUE(q_->Reap("w1", "crashed", "killed by SIGSEGV", false).ok());
  const std::string pq = redis::keys::PluginQuarantine(world_->prefix(), PluginKind::kPolling, "p");
  EXPECT_EQ(world_->HGet(pq, "failures"), "1");
  EXPECT_EQ(world_->HGet(pq, "plugin"), "p");
  ASSERT_TRUE(world_->HGet(pq, "until") && world_->HGet(pq, "since"));
  EXPECT_NEAR(std::stod(*world_->HGet(pq, "until")) - std::stod(*world_->HGet(pq, "since")), 120, 0.01);
  EXPECT_TRUE(world_->ZScore(QuarantineSet(*world_), "p"));
  EXPECT_EQ(RunOnce(g2, "ok"), Verdict::kQuarantined) << "every pair of the plugin";

  auto idle = q_->QuarantinePlugin("w2", "");
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(*idle, std::nullopt) << "nothing ran on w2";

  g2.code_mtime = 9e9;  // fixed: the module changed
  EXPECT_EQ(RunOnce(g2, "ok"), Verdict::kRun);
  EXPECT_FALSE(world_->Exists(pq));
  EXPECT_EQ(world_->ZScore(QuarantineSet(*world_), "p"), std::nullopt);
}

TEST_P(TaskQueueContract, OkRunOfAPluginEndsItsWholePluginQuarantine) {
  Queue(1);
  Step(GuardThenTake());
  Step(GuardThenTake(Guard(1)));
  ASSERT_TRUE(q_->QuarantinePlugin("w1", "crash").ok());
  ASSERT_TRUE(q_->Reap("w1", "crashed", "crash", false).ok());
  const std::string pq = redis::keys::PluginQuarantine(world_->prefix(), PluginKind::kPolling, "p");
  world_->HSet(pq, "until", "1");  // it ran out: the next run imports again, and works
  EXPECT_EQ(RunOnce(Guard(1), "ok"), Verdict::kRun);
  EXPECT_FALSE(world_->Exists(pq)) << "its crash count is reset";
}

TEST_P(TaskQueueContract, HealthReportCountsPerPluginAndDropsPairsNoLongerScheduled) {
  agent::GuardPart g1 = Guard(1, 60), g2 = Guard(2, 60), g3 = Guard(3, 60);
  RunOnce(g1, "ok");
  RunOnce(g2, "error");
  for (int i = 0; i < 3; ++i) RunOnce(g3, "error");
  world_->ZAdd(FreshnessSet(*world_), 1, "p:2");  // no ok result for long
  world_->ZAdd(FreshnessSet(*world_), 1, "gone:7");
  auto report = q_->HealthReport();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->size(), 2u);
  EXPECT_EQ((*report)[0].plugin, "gone");
  EXPECT_EQ((*report)[0].stale_pairs, 1);
  EXPECT_EQ((*report)[1].plugin, "p");
  EXPECT_EQ((*report)[1].quarantined_pairs, 1);
  EXPECT_FALSE((*report)[1].quarantined);
  EXPECT_EQ((*report)[1].stale_pairs, 1);

  const std::string schedule = redis::keys::Schedule(world_->prefix(), PluginKind::kPolling);
  for (const char* entry : {"p:1", "p:2", "p:3"}) world_->ZAdd(schedule, 1, entry);
  report = q_->HealthReport();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->size(), 1u) << "gone:7 is in no schedule: dropped";
  EXPECT_EQ(world_->ZScore(FreshnessSet(*world_), "gone:7"), std::nullopt);
  world_->HSet(g3.meta, "quarantined_until", "1");
  world_->ZAdd(QuarantineSet(*world_), 1, "p:3");  // ran out
  report = q_->HealthReport();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->size(), 1u);
  EXPECT_EQ((*report)[0].quarantined_pairs, 0);
  EXPECT_EQ(world_->ZScore(QuarantineSet(*world_), "p:3"), std::nullopt)
      << "an ended quarantine leaves the set";
}

}  // namespace
}  // namespace panoptes::testing
