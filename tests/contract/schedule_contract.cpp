// The ScheduleStore and LeaderLock contract (schedule_contract.h): the dispatch, rebuild diffs and
// leadership (docs/scheduler.md).

#include "contract/schedule_contract.h"

#include "model/json.h"
#include "scheduler/entry.h"

namespace panoptes::testing {

using scheduler::Entry;
using scheduler::ListedEntry;
using scheduler::MakeEntry;
using scheduler::SplayMs;

std::vector<Task> ScheduleContract::PopTasks() {
  std::vector<Task> out;
  for (const std::string& raw : world_->PopTasks()) {
    auto task = model::ParseTask(raw);
    EXPECT_TRUE(task.ok()) << task.status().ToString() << " in " << raw;
    if (task.ok()) out.push_back(*task);
  }
  return out;
}

namespace {

PluginInfo Plugin(const std::string& name, int frequency) {
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = name;
  info.normalized_name = name;
  info.execute_frequency = frequency;
  info.time_limit = 1.25 * frequency;
  info.expires = 2 * frequency;
  return info;
}

Resource MakeResource(const std::string& id) {
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.id = id;
  r.plugin = "disco";
  return r;
}

TEST_P(ScheduleContract, DispatchPushesDueTasksAsValidTaskMessagesOnlyForTheLeader) {
  auto& store = world_->store();
  Resource r = MakeResource("r1");
  Entry e = MakeEntry(Plugin("poll", 60), &r);
  ASSERT_TRUE(store.Rebuild(std::vector<Entry>{e}).ok());
  int64_t now = *store.ServerTimeMs();
  world_->SetScore(e.id, now - 10);

  auto not_leader = store.Dispatch("my-token", 100);
  ASSERT_TRUE(not_leader.ok());
  EXPECT_FALSE(not_leader->leader);
  EXPECT_TRUE(PopTasks().empty()) << "a non-leader pushed tasks";

  world_->SetLeader("my-token");
  auto d = store.Dispatch("my-token", 100);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->leader);
  EXPECT_EQ(d->dispatched, 1);
  ASSERT_EQ(d->lateness_ms.size(), 1u);
  EXPECT_GE(d->lateness_ms[0], 10);
  auto tasks = PopTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].plugin, "poll");
  EXPECT_EQ(tasks[0].kind, PluginKind::kPolling);
  EXPECT_EQ(tasks[0].id, e.id + ":" + std::to_string(now - 10));
  ASSERT_TRUE(tasks[0].resource.has_value());
  EXPECT_EQ(tasks[0].resource->id, "r1");
  EXPECT_DOUBLE_EQ(tasks[0].scheduled_for, (now - 10) / 1000.0);
  EXPECT_DOUBLE_EQ(tasks[0].expires_at, (now - 10 + 120000) / 1000.0);
  EXPECT_DOUBLE_EQ(tasks[0].time_limit, 75);
  EXPECT_EQ(world_->Score(e.id), now - 10 + 60000) << "the due time did not advance by one period";
  EXPECT_EQ(store.Dispatch("my-token", 100)->dispatched, 0) << "fired twice for one period";
}

TEST_P(ScheduleContract, DispatchedTaskIsByteForByteTheEntrysTaskMessage) {
  auto& store = world_->store();
  Resource r = MakeResource("r\"1");
  r.metadata = {{"os", "junos \xc3\xa9"}, {"rack", "4"}};
  Entry e = MakeEntry(Plugin("poll", 60), &r);
  Entry d = MakeEntry(Plugin("disco", 300), nullptr);
  ASSERT_TRUE(store.Rebuild(std::vector<Entry>{e, d}).ok());
  int64_t now = *store.ServerTimeMs();
  world_->SetScore(e.id, now - 10);
  world_->SetScore(d.id, now - 20);
  world_->SetLeader("t");
  ASSERT_EQ(store.Dispatch("t", 100)->dispatched, 2);
  auto raw = world_->PopTasks();
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0], scheduler::DispatchedTask(d.task_prefix(), d.id, now - 20, d.expires_ms));
  EXPECT_EQ(raw[1], scheduler::DispatchedTask(e.task_prefix(), e.id, now - 10, e.expires_ms));
}

TEST_P(ScheduleContract, DispatchSkipsMissedPeriodsAndFiresOnceForTheLatest) {
  auto& store = world_->store();
  Resource r = MakeResource("r1");
  Entry e = MakeEntry(Plugin("poll", 10), &r);
  ASSERT_TRUE(store.Rebuild(std::vector<Entry>{e}).ok());
  world_->SetLeader("t");
  int64_t now = *store.ServerTimeMs();
  int64_t old_due = now - 35000;  // 3.5 periods late: 4 periods due, one task
  world_->SetScore(e.id, old_due);
  auto d = store.Dispatch("t", 100);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->dispatched, 1);
  auto tasks = PopTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_DOUBLE_EQ(tasks[0].scheduled_for, (old_due + 30000) / 1000.0) << "not the latest missed period";
  EXPECT_EQ(world_->Score(e.id), old_due + 40000) << "the cadence was not kept";
  EXPECT_GT(world_->Score(e.id), d->now_ms);
}

TEST_P(ScheduleContract, DispatchWorksInBatchesOldestFirstAndReportsTheNextDueTime) {
  auto& store = world_->store();
  std::vector<Entry> entries;
  std::vector<Resource> resources;
  for (int i = 0; i < 25; ++i) resources.push_back(MakeResource("r" + std::to_string(i)));
  for (const Resource& r : resources) entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  ASSERT_TRUE(store.Rebuild(entries).ok());
  world_->SetLeader("t");
  int64_t now = *store.ServerTimeMs();
  for (size_t i = 0; i < entries.size(); ++i)
    world_->SetScore(entries[i].id, now - 100 + static_cast<int64_t>(i));
  world_->SetScore(entries[0].id, now + 5000);
  EXPECT_EQ(store.Dispatch("t", 10)->dispatched, 10);
  auto first = PopTasks();
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first[0].resource->id, "r1") << "the most overdue entry first";
  EXPECT_EQ(store.Dispatch("t", 10)->dispatched, 10);
  auto last = store.Dispatch("t", 10);
  EXPECT_EQ(last->dispatched, 4);
  EXPECT_EQ(last->next_due_ms, now + 5000);
  EXPECT_EQ(PopTasks().size(), 14u);
}

TEST_P(ScheduleContract, RebuildKeepsCadenceOfUnchangedAndChangedEntriesAndResetsOnNewFrequency) {
  auto& store = world_->store();
  Resource a = MakeResource("a"), b = MakeResource("b"), c = MakeResource("c");
  PluginInfo p = Plugin("poll", 60);
  auto first = store.Rebuild(std::vector<Entry>{MakeEntry(p, &a), MakeEntry(p, &b), MakeEntry(p, &c)});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->added, 3u);
  int64_t now = *store.ServerTimeMs();
  for (const Resource* r : {&a, &b, &c}) {
    Entry e = MakeEntry(p, r);
    EXPECT_GE(world_->Score(e.id), now - 1000);
    EXPECT_LE(world_->Score(e.id), now + SplayMs(e.id, 60000) + 1000);
    world_->SetScore(e.id, 1000 + (r == &a ? 1 : r == &b ? 2 : 3));
  }
  // a unchanged, b's resource changed (same key), c gone, d new; then a's frequency changes.
  Resource b2 = b;
  b2.metadata["os"] = "junos";
  Resource d = MakeResource("d");
  auto second = store.Rebuild(std::vector<Entry>{MakeEntry(p, &a), MakeEntry(p, &b2), MakeEntry(p, &d)});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->unchanged, 1u);
  EXPECT_EQ(second->updated, 1u);
  EXPECT_EQ(second->removed, 1u);
  EXPECT_EQ(second->added, 1u);
  EXPECT_EQ(world_->Score(MakeEntry(p, &a).id), 1001);
  EXPECT_EQ(world_->Score(MakeEntry(p, &b).id), 1002) << "a changed value lost its cadence";
  EXPECT_EQ(world_->Score(MakeEntry(p, &c).id), -1) << "a removed entry is still scheduled";
  auto listed = store.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, MakeEntry(p, &a).id) << "listed by due time";
  EXPECT_EQ((*listed)[0].frequency_ms, 60000);
  EXPECT_NE((*listed)[1].task_prefix.find("junos"), std::string::npos);
  auto third = store.Rebuild(std::vector<Entry>{MakeEntry(Plugin("poll", 30), &a)});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->rescheduled, 1u);
  EXPECT_EQ(third->removed, 2u);
  EXPECT_GT(world_->Score(MakeEntry(p, &a).id), 1001) << "a new frequency kept the old cadence";
  EXPECT_EQ(*store.Count(), 1);
}

TEST_P(ScheduleContract, RebuildCountsARepeatedIdOnce) {
  auto& store = world_->store();
  Resource a = MakeResource("a");
  Entry e = MakeEntry(Plugin("poll", 60), &a);
  auto stats = store.Rebuild(std::vector<Entry>{e, e});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->added, 1u);
  EXPECT_EQ(*store.Count(), 1);
}

TEST_P(ScheduleContract, ScopedRebuildReadsChangesAndRemovesOnlyTheEntriesOfItsPlugins) {
  auto& store = world_->store();
  Resource a = MakeResource("a"), b = MakeResource("b");
  PluginInfo one = Plugin("one", 60), two = Plugin("two", 60);
  ASSERT_TRUE(store
                  .Rebuild(std::vector<Entry>{MakeEntry(one, &a), MakeEntry(one, &b), MakeEntry(two, &a),
                                              MakeEntry(two, &b)})
                  .ok());
  for (const Entry& e : {MakeEntry(one, &a), MakeEntry(two, &a), MakeEntry(two, &b)})
    world_->SetScore(e.id, 5000);
  // Plugin "one" changed: a new time limit for a, b no longer matches; "two" is not in the scope,
  // and the source produces none of its entries: they must stay as they are.
  PluginInfo one_changed = one;
  one_changed.time_limit = 99;
  auto scoped =
      store.Rebuild([&](const std::function<void(Entry &&)>& sink) { sink(MakeEntry(one_changed, &a)); },
                    std::vector<std::string>{"one"});
  ASSERT_TRUE(scoped.ok()) << scoped.status().ToString();
  // The time limit is the plugin's record: written once, the entry's value stays as it was.
  EXPECT_EQ(scoped->plugins_written, 1u);
  EXPECT_EQ(scoped->updated, 0u);
  EXPECT_EQ(scoped->removed, 1u);
  EXPECT_EQ(scoped->unchanged, 1u);
  EXPECT_EQ(world_->Score(MakeEntry(one, &a).id), 5000) << "a changed value lost its cadence";
  EXPECT_EQ(world_->Score(MakeEntry(one, &b).id), -1)
      << "an entry gone from the scoped plugin is still scheduled";
  EXPECT_EQ(world_->Score(MakeEntry(two, &a).id), 5000);
  EXPECT_EQ(world_->Score(MakeEntry(two, &b).id), 5000) << "a plugin outside the scope lost an entry";
  EXPECT_EQ(*store.Count(), 3);
  // A full rebuild with the same desired entries finds them all unchanged: the scoped one wrote
  // what a full one would have.
  auto full =
      store.Rebuild(std::vector<Entry>{MakeEntry(one_changed, &a), MakeEntry(two, &a), MakeEntry(two, &b)});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->unchanged, 3u);
  EXPECT_EQ(full->added + full->updated + full->rescheduled + full->removed + full->plugins_written, 0u);
  // The tasks carry the new time limit (all three are due: 5000 is long past).
  world_->SetLeader("t");
  ASSERT_EQ(store.Dispatch("t", 100)->dispatched, 3);
  for (const Task& task : PopTasks()) EXPECT_DOUBLE_EQ(task.time_limit, task.plugin == "one" ? 99 : 75);
}

TEST_P(ScheduleContract, APluginWhoseEntriesAllWentLeavesNoRecordAndAFrequencyChangeRewritesOnlyDueTimes) {
  auto& store = world_->store();
  Resource a = MakeResource("a"), b = MakeResource("b");
  PluginInfo one = Plugin("one", 60), two = Plugin("two", 60);
  ASSERT_TRUE(store.Rebuild(std::vector<Entry>{MakeEntry(one, &a), MakeEntry(two, &b)}).ok());
  // "one" goes: its entry and its record leave; "two" now runs every 30 s: a new cadence.
  PluginInfo faster = two;
  faster.execute_frequency = 30;
  world_->SetScore(MakeEntry(two, &b).id, 1000);
  auto r = store.Rebuild(std::vector<Entry>{MakeEntry(faster, &b)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed, 1u);
  EXPECT_EQ(r->rescheduled, 1u);
  EXPECT_EQ(r->plugins_written, 1u);
  EXPECT_GT(world_->Score(MakeEntry(two, &b).id), 1000) << "a new frequency kept the old cadence";
  auto listed = store.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].frequency_ms, 30000);
  EXPECT_EQ((*listed)[0].task_prefix, MakeEntry(faster, &b).task_prefix());
  // Back with "one": its record is written again (nothing kept it).
  auto back = store.Rebuild(std::vector<Entry>{MakeEntry(one, &a), MakeEntry(faster, &b)});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->plugins_written, 1u);
  EXPECT_EQ(back->added, 1u);
  world_->SetScore(MakeEntry(one, &a).id, *store.ServerTimeMs() - 1);
  world_->SetLeader("t");
  ASSERT_EQ(store.Dispatch("t", 100)->dispatched, 1);
  EXPECT_EQ(PopTasks().size(), 1u);
}

TEST_P(ScheduleContract, LeaderLockIsExclusiveRenewableAndReleasable) {
  auto mine = world_->Lock("mine", 1000);
  auto theirs = world_->Lock("theirs", 1000);
  EXPECT_TRUE(*mine->Acquire());
  EXPECT_FALSE(*theirs->Acquire());
  EXPECT_TRUE(*mine->Acquire()) << "re-acquiring our own key must renew it";
  EXPECT_TRUE(*mine->Renew());
  EXPECT_FALSE(*theirs->Renew());
  ASSERT_TRUE(theirs->Release().ok());
  EXPECT_TRUE(*mine->Renew()) << "another token's release deleted our key";
  ASSERT_TRUE(mine->Release().ok());
  EXPECT_TRUE(*theirs->Acquire());
  EXPECT_FALSE(*mine->Renew());
  world_->ExpireLeader();
  EXPECT_TRUE(*mine->Acquire()) << "an expired key is free";
  EXPECT_FALSE(*theirs->Renew()) << "an expired holder renewed";
}

TEST_P(ScheduleContract, DispatchStopsAtOnceForALeaderWhoseKeyExpired) {
  auto& store = world_->store();
  Resource r = MakeResource("r1");
  Entry e = MakeEntry(Plugin("poll", 60), &r);
  ASSERT_TRUE(store.Rebuild(std::vector<Entry>{e}).ok());
  auto lock = world_->Lock("t", 60000);
  ASSERT_TRUE(*lock->Acquire());
  world_->SetScore(e.id, *store.ServerTimeMs() - 1);
  world_->ExpireLeader();
  EXPECT_FALSE(store.Dispatch("t", 100)->leader);
  EXPECT_TRUE(PopTasks().empty());
}

}  // namespace
}  // namespace panoptes::testing
