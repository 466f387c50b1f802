// RebuildPlanner: when a rebuild may cover only the plugins that changed (rebuild_plan.h).

#include "scheduler/rebuild_plan.h"

#include <gtest/gtest.h>

namespace panoptes::scheduler {
namespace {

SchedulablePlugin Plugin(const std::string& name,
                         const std::string& filter = "resource_class = \"network\"") {
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = name;
  info.normalized_name = name;
  info.execute_frequency = 60;
  info.time_limit = 30;
  info.expires = 120;
  info.resource_filter = filter;
  auto p = MakeSchedulable(info);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : SchedulablePlugin{};
}

using Names = std::vector<std::string>;

TEST(RebuildPlanTest, FullUntilARebuildSucceededAndAfterReset) {
  RebuildPlanner planner;
  std::vector<SchedulablePlugin> plugins{Plugin("a"), Plugin("b")};
  EXPECT_TRUE(planner.Plan(plugins, 1).full);
  planner.Applied(plugins, 1);
  EXPECT_TRUE(planner.Plan(plugins, 1).nothing());
  planner.Reset();
  EXPECT_TRUE(planner.Plan(plugins, 1).full);
}

TEST(RebuildPlanTest, NewResourcesPlanAFullRebuild) {
  RebuildPlanner planner;
  std::vector<SchedulablePlugin> plugins{Plugin("a")};
  planner.Applied(plugins, 1);
  RebuildPlan plan = planner.Plan(plugins, 2);
  EXPECT_TRUE(plan.full);
  EXPECT_FALSE(plan.nothing());
}

TEST(RebuildPlanTest, OnlyThePluginsWhoseScheduleInputsChanged) {
  RebuildPlanner planner;
  std::vector<SchedulablePlugin> plugins{Plugin("a"), Plugin("b"), Plugin("c"), Plugin("d")};
  planner.Applied(plugins, 7);
  plugins[0].info.time_limit = 45;                    // the task's time limit
  plugins[1].info.execute_frequency = 300;            // the cadence
  plugins[2] = Plugin("c", "resource_site = \"x\"");  // which resources match
  RebuildPlan plan = planner.Plan(plugins, 7);
  EXPECT_FALSE(plan.full);
  EXPECT_EQ(plan.scope, (Names{"a", "b", "c"}));
}

TEST(RebuildPlanTest, PluginsThatAppearedOrWentAreInTheScope) {
  RebuildPlanner planner;
  planner.Applied({Plugin("a"), Plugin("gone")}, 3);
  RebuildPlan plan = planner.Plan({Plugin("a"), Plugin("new")}, 3);
  EXPECT_FALSE(plan.full);
  EXPECT_EQ(plan.scope, (Names{"gone", "new"}));
}

TEST(RebuildPlanTest, APluginNameTwiceIsAlwaysRebuilt) {
  RebuildPlanner planner;
  std::vector<SchedulablePlugin> plugins{Plugin("a"), Plugin("a", "resource_site = \"y\"")};
  planner.Applied(plugins, 1);
  EXPECT_EQ(planner.Plan(plugins, 1).scope, (Names{"a"}));
}

TEST(RebuildPlanTest, ForEachEntryLimitedToTheScope) {
  std::vector<SchedulablePlugin> plugins{Plugin("a"), Plugin("b"), Plugin("c")};
  std::vector<Resource> resources(1);
  resources[0].class_ = "network";
  resources[0].id = "r1";
  std::vector<std::string> ids;
  ForEachEntry(
      plugins, ResourceTable::From(resources),
      [&](Entry&& e) { ids.push_back(e.id.substr(0, e.id.find(':'))); }, Names{"a", "c"});
  EXPECT_EQ(ids, (Names{"a", "c"}));
}

}  // namespace
}  // namespace panoptes::scheduler
