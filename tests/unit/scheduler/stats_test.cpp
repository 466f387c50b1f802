#include "scheduler/stats.h"

#include <gtest/gtest.h>

namespace panoptes::scheduler {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Unit, PrometheusTextHasCumulativeLatenessBucketsAndOnlyTheScheduledKinds) {
  Stats stats;
  KindStats& polling = stats.Kind(PluginKind::kPolling);
  for (int64_t ms : {0, 3, 3, 40, 2000, 100000}) polling.ObserveLateness(ms);
  polling.tasks_enqueued = 6;
  polling.leader = true;
  polling.entries = 42;
  std::string text = RenderPrometheus(stats, 1u << KindIndex(PluginKind::kPolling));
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"0.001\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"0.005\"} 3"))
      << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"0.05\"} 4"))
      << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"5\"} 5")) << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_bucket{kind=\"polling\",le=\"+Inf\"} 6"))
      << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_count{kind=\"polling\"} 6")) << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_lateness_seconds_sum{kind=\"polling\"} 102.046")) << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_tasks_enqueued_total{kind=\"polling\"} 6")) << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_leader{kind=\"polling\"} 1")) << text;
  EXPECT_TRUE(Has(text, "panoptes_scheduler_entries{kind=\"polling\"} 42")) << text;
  EXPECT_TRUE(Has(text, "# TYPE panoptes_scheduler_lateness_seconds histogram")) << text;
  EXPECT_EQ(text.find("kind=\"discovery\""), std::string::npos) << "a kind this scheduler does not run";
}

}  // namespace
}  // namespace panoptes::scheduler
