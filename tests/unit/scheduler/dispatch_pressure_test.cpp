#include "scheduler/dispatch_pressure.h"

#include <gtest/gtest.h>

#include <thread>

namespace panoptes::scheduler {
namespace {

using std::chrono::milliseconds;

TEST(Unit, DispatchPressureIsBehindOnAFullBatchOrALateTask) {
  DispatchPressure p;
  EXPECT_FALSE(p.behind());
  p.Report(1000, 1000, 0);
  EXPECT_TRUE(p.behind()) << "a full batch: more is due";
  p.Report(10, 1000, 0);
  EXPECT_FALSE(p.behind());
  p.Report(10, 1000, DispatchPressure::kBehindMs + 1);
  EXPECT_TRUE(p.behind()) << "a task late by more than kBehindMs";
  p.Clear();
  EXPECT_FALSE(p.behind());
}

TEST(Unit, DispatchPressureYieldReturnsAtOnceWhenTheDispatchKeepsUp) {
  DispatchPressure p(milliseconds(10000));
  p.Report(3, 1000, 1);
  EXPECT_EQ(p.Yield(), milliseconds(0));
  EXPECT_EQ(p.waited_ms(), 0);
}

TEST(Unit, DispatchPressureYieldWaitsUntilTheDispatchCatchesUp) {
  DispatchPressure p(milliseconds(60000));
  p.Report(1000, 1000, 0);
  std::thread dispatch([&] {
    std::this_thread::sleep_for(milliseconds(50));  // the dispatch's work; Yield must wait for it
    p.Report(1, 1000, 0);
  });
  auto waited = p.Yield();
  dispatch.join();
  EXPECT_GE(waited.count(), 40);
  EXPECT_LT(waited.count(), 30000) << "Yield did not wake when the dispatch caught up";
  EXPECT_FALSE(p.behind());
}

TEST(Unit, DispatchPressureYieldWaitsAtMostMaxWait) {
  DispatchPressure p(milliseconds(30));
  p.Report(1000, 1000, 0);
  auto waited = p.Yield();
  EXPECT_GE(waited.count(), 29);
  EXPECT_LT(waited.count(), 5000);
  EXPECT_TRUE(p.behind()) << "still behind: nobody reported otherwise";
  EXPECT_GE(p.waited_ms(), 29);
}

}  // namespace
}  // namespace panoptes::scheduler
