#include "agent/board.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/agent_metrics.h"

namespace panoptes::agent {
namespace {

TEST(Unit, BoardSlotIsSharedWithAForkedChild) {
  auto board = Board::Create(2);
  ASSERT_TRUE(board.ok()) << board.status().ToString();
  BoardSlot& slot = (*board)->slot(1);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    BeginRun(slot, "task-0123456789-abcdefghijklmnopqrstuvwxyz", 2500);
    Count(slot.skipped, IndexOf(kSkipReasons, "too soon"));
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(slot.run_seq.load() % 2, 1u) << "a run begun in the child is seen running by the parent";
  EXPECT_EQ(slot.time_limit_ms.load(), 2500);
  EXPECT_EQ(ReadTaskId(slot), "task-0123456789-abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(slot.skipped[1].load(), 1u);
  EXPECT_EQ((*board)->slot(0).run_seq.load(), 0u) << "slot 0 untouched";
}

TEST(Unit, BoardMasterSignalsAreSharedWithAForkedChildAndApart) {
  auto board = Board::Create(1);
  ASSERT_TRUE(board.ok()) << board.status().ToString();
  auto& masters = (*board)->shared().masters;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // a courier's watch of the second Redis configuration
    masters[1].epoch.fetch_add(1);
    masters[1].fresh_ms.store(42);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(masters[1].epoch.load(), 1u) << "written in the child, seen by the parent";
  EXPECT_EQ(masters[1].fresh_ms.load(), 42);
  for (size_t i = 0; i < masters.size(); ++i) {
    if (i == 1) continue;
    EXPECT_EQ(masters[i].epoch.load(), 0u) << "signal " << i << " untouched";
    EXPECT_EQ(masters[i].fresh_ms.load(), 0) << "signal " << i << " untouched";
  }
}

TEST(Unit, MasterSignalClearReturnsItToItsInitialState) {
  redis::MasterSignal s;
  s.epoch.store(3);
  s.paused_until_ms.store(99);
  s.fresh_ms.store(7);
  s.switches.store(3);
  s.failovers_begun.store(2);
  s.Clear();
  EXPECT_EQ(s.epoch.load(), 0u);
  EXPECT_EQ(s.paused_until_ms.load(), 0);
  EXPECT_EQ(s.fresh_ms.load(), 0);
  EXPECT_EQ(s.switches.load(), 0u);
  EXPECT_EQ(s.failovers_begun.load(), 0u);
}

TEST(Unit, BoardTaskIdIsTruncatedToItsWords) {
  BoardSlot slot;
  std::string long_id(100, 'x');
  BeginRun(slot, long_id, 1);
  EXPECT_EQ(ReadTaskId(slot), std::string(kTaskIdWords * 8, 'x'));
}

TEST(Unit, BoardResetZeroesASlot) {
  auto board = Board::Create(1);
  ASSERT_TRUE(board.ok());
  BoardSlot& slot = (*board)->slot(0);
  BeginRun(slot, "t", 10);
  slot.stop.store(1);
  (*board)->Reset(0);
  EXPECT_EQ(slot.run_seq.load(), 0u);
  EXPECT_EQ(slot.stop.load(), 0u);
  EXPECT_EQ(ReadTaskId(slot), "");
}

TEST(Unit, EndRunCountsTheOutcomeAndBothHistograms) {
  BoardSlot slot;
  BeginRun(slot, "t", 10);
  EndRun(slot, "empty", 0.003, 0.0004);
  EndRun(slot, "bogus", 0.003, 0.0004);    // an unknown outcome is not counted as one
  EXPECT_EQ(slot.run_seq.load() % 2, 1u);  // two ends after one begin: only a count here
  EXPECT_EQ(slot.executed[1].load(), 1u);
  EXPECT_EQ(slot.executed[0].load() + slot.executed[2].load(), 0u);
  // 3 ms falls in the (2.5 ms, 5 ms] bucket: index 2 of http::DurationBuckets().
  EXPECT_EQ(slot.duration.buckets[2].load(), 2u);
  EXPECT_EQ(slot.lateness.buckets[0].load(), 2u);
  EXPECT_EQ(slot.duration.sum_us.load(), 6000u);
}

TEST(Unit, MetricsFoldOnlyTheGrowthOfABoardSlot) {
  AgentMetrics metrics;
  BoardSlot slot;
  BoardCounts seen;
  BeginRun(slot, "t", 10);
  EndRun(slot, "ok", 0.02, 0.001);
  Count(slot.skipped, IndexOf(kSkipReasons, "locked"));
  Count(slot.deadlettered, IndexOf(kDeadletterReasons, "signature"));
  metrics.Fold(PluginKind::kPolling, slot, seen);
  metrics.Fold(PluginKind::kPolling, slot, seen);  // nothing new: nothing added
  std::string text = metrics.Render();
  EXPECT_NE(text.find("panoptes_agent_tasks_total{kind=\"polling\",outcome=\"ok\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("panoptes_agent_tasks_skipped_total{kind=\"polling\",reason=\"locked\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("panoptes_agent_tasks_deadlettered_total{kind=\"polling\",reason=\"signature\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("panoptes_agent_run_duration_seconds_count{kind=\"polling\"} 1\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace panoptes::agent
