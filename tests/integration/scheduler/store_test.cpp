// ScheduleStore and LeaderLock against a real redis-server: the dispatch script, rebuild diffs and
// leadership (docs/scheduler.md).

#include <gtest/gtest.h>

#include "model/json.h"
#include "redis/keys.h"
#include "scheduler/leader.h"
#include "scheduler/schedule_store.h"
#include "support/redis_server.h"

namespace panoptes::scheduler {
namespace {

constexpr PluginKind kKind = PluginKind::kPolling;

PluginInfo Plugin(const std::string& name, int frequency) {
  PluginInfo info;
  info.kind = kKind;
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

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "test");
    store_ = std::make_unique<ScheduleStore>(*client_, config_.key_prefix, kKind);
  }
  std::string Key(std::string (*fn)(std::string_view, PluginKind)) { return fn(config_.key_prefix, kKind); }
  int64_t Score(const std::string& id) {
    auto r = client_->Command({"ZSCORE", Key(redis::keys::Schedule), id});
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->IsNil() ? std::stoll(r->str) : -1;
  }
  void SetScore(const std::string& id, int64_t score) {
    ASSERT_TRUE(client_->Command({"ZADD", Key(redis::keys::Schedule), std::to_string(score), id}).ok());
  }
  std::vector<Task> PopTasks() {
    std::vector<Task> out;
    while (true) {
      auto r = client_->Command({"RPOP", Key(redis::keys::Tasks)});
      if (!r.ok() || r->IsNil()) return out;
      auto task = model::ParseTask(r->str);
      EXPECT_TRUE(task.ok()) << task.status().ToString() << " in " << r->str;
      if (task.ok()) out.push_back(*task);
    }
  }
  void BecomeLeader(const std::string& token) {
    ASSERT_TRUE(client_->Command({"SET", Key(redis::keys::Leader), token}).ok());
  }

  testing::RedisServer server_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<ScheduleStore> store_;
};

TEST_F(StoreTest, DispatchPushesDueTasksAsValidTaskMessagesOnlyForTheLeader) {
  Resource r = MakeResource("r1");
  Entry e = MakeEntry(Plugin("poll", 60), &r);
  ASSERT_TRUE(store_->Rebuild(std::vector<Entry>{e}).ok());
  int64_t now = *store_->ServerTimeMs();
  SetScore(e.id, now - 10);

  auto not_leader = store_->Dispatch("my-token", 100);
  ASSERT_TRUE(not_leader.ok());
  EXPECT_FALSE(not_leader->leader);
  EXPECT_TRUE(PopTasks().empty()) << "a non-leader pushed tasks";

  BecomeLeader("my-token");
  auto d = store_->Dispatch("my-token", 100);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->leader);
  EXPECT_EQ(d->dispatched, 1);
  ASSERT_EQ(d->lateness_ms.size(), 1u);
  EXPECT_GE(d->lateness_ms[0], 10);
  auto tasks = PopTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].plugin, "poll");
  EXPECT_EQ(tasks[0].kind, kKind);
  ASSERT_TRUE(tasks[0].resource.has_value());
  EXPECT_EQ(tasks[0].resource->id, "r1");
  EXPECT_DOUBLE_EQ(tasks[0].scheduled_for, (now - 10) / 1000.0);
  EXPECT_DOUBLE_EQ(tasks[0].expires_at, (now - 10 + 120000) / 1000.0);
  EXPECT_DOUBLE_EQ(tasks[0].time_limit, 75);
  EXPECT_EQ(Score(e.id), now - 10 + 60000) << "the due time did not advance by one period";
  EXPECT_EQ(store_->Dispatch("my-token", 100)->dispatched, 0) << "fired twice for one period";
}

TEST_F(StoreTest, DispatchSkipsMissedPeriodsAndFiresOnceForTheLatest) {
  Resource r = MakeResource("r1");
  Entry e = MakeEntry(Plugin("poll", 10), &r);
  ASSERT_TRUE(store_->Rebuild(std::vector<Entry>{e}).ok());
  BecomeLeader("t");
  int64_t now = *store_->ServerTimeMs();
  int64_t old_due = now - 35000;  // 3.5 periods late: 4 periods due, one task
  SetScore(e.id, old_due);
  auto d = store_->Dispatch("t", 100);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->dispatched, 1);
  auto tasks = PopTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_DOUBLE_EQ(tasks[0].scheduled_for, (old_due + 30000) / 1000.0) << "not the latest missed period";
  EXPECT_EQ(Score(e.id), old_due + 40000) << "the cadence was not kept";
  EXPECT_GT(Score(e.id), d->now_ms);
}

TEST_F(StoreTest, DispatchWorksInBatchesAndReportsTheNextDueTime) {
  std::vector<Entry> entries;
  std::vector<Resource> resources;
  for (int i = 0; i < 25; ++i) resources.push_back(MakeResource("r" + std::to_string(i)));
  for (const Resource& r : resources) entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  ASSERT_TRUE(store_->Rebuild(entries).ok());
  BecomeLeader("t");
  int64_t now = *store_->ServerTimeMs();
  for (const Entry& e : entries) SetScore(e.id, now - 1);
  SetScore(entries[0].id, now + 5000);
  EXPECT_EQ(store_->Dispatch("t", 10)->dispatched, 10);
  EXPECT_EQ(store_->Dispatch("t", 10)->dispatched, 10);
  auto last = store_->Dispatch("t", 10);
  EXPECT_EQ(last->dispatched, 4);
  EXPECT_EQ(last->next_due_ms, now + 5000);
  EXPECT_EQ(PopTasks().size(), 24u);
}

TEST_F(StoreTest, RebuildKeepsCadenceOfUnchangedAndChangedEntriesAndResetsOnNewFrequency) {
  Resource a = MakeResource("a"), b = MakeResource("b"), c = MakeResource("c");
  PluginInfo p = Plugin("poll", 60);
  auto first = store_->Rebuild(std::vector<Entry>{MakeEntry(p, &a), MakeEntry(p, &b), MakeEntry(p, &c)});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->added, 3u);
  int64_t now = *store_->ServerTimeMs();
  for (const Resource* r : {&a, &b, &c}) {
    Entry e = MakeEntry(p, r);
    EXPECT_GE(Score(e.id), now - 1000);
    EXPECT_LE(Score(e.id), now + SplayMs(e.id, 60000) + 1000);
    SetScore(e.id, 1000 + (r == &a ? 1 : r == &b ? 2 : 3));
  }
  // a unchanged, b's resource changed (same key), c gone, d new; then a's frequency changes.
  Resource b2 = b;
  b2.metadata["os"] = "junos";
  Resource d = MakeResource("d");
  auto second = store_->Rebuild(std::vector<Entry>{MakeEntry(p, &a), MakeEntry(p, &b2), MakeEntry(p, &d)});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->unchanged, 1u);
  EXPECT_EQ(second->updated, 1u);
  EXPECT_EQ(second->removed, 1u);
  EXPECT_EQ(second->added, 1u);
  EXPECT_EQ(Score(MakeEntry(p, &a).id), 1001);
  EXPECT_EQ(Score(MakeEntry(p, &b).id), 1002) << "a changed value lost its cadence";
  EXPECT_EQ(Score(MakeEntry(p, &c).id), -1) << "a removed entry is still scheduled";
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  for (const ListedEntry& l : *listed) {
    if (l.id == MakeEntry(p, &b).id) {
      EXPECT_NE(l.task_prefix.find("junos"), std::string::npos);
    }
  }
  auto third = store_->Rebuild(std::vector<Entry>{MakeEntry(Plugin("poll", 30), &a)});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->rescheduled, 1u);
  EXPECT_EQ(third->removed, 2u);
  EXPECT_GT(Score(MakeEntry(p, &a).id), 1001) << "a new frequency kept the old cadence";
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_F(StoreTest, RebuildOfManyEntriesTakesFewRoundTrips) {
  std::vector<Resource> resources;
  for (int i = 0; i < 20000; ++i) resources.push_back(MakeResource("r" + std::to_string(i)));
  std::vector<Entry> entries;
  for (const Resource& r : resources) entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  uint64_t before = client_->round_trips();
  auto stats = store_->Rebuild(entries);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->added, 20000u);
  EXPECT_LT(client_->round_trips() - before, 20u);
  EXPECT_EQ(*store_->Count(), 20000);
  before = client_->round_trips();
  EXPECT_EQ(store_->Rebuild(entries)->unchanged, 20000u);
  EXPECT_LT(client_->round_trips() - before, 10u);
}

TEST_F(StoreTest, LeaderLockIsExclusiveRenewableAndReleasable) {
  redis::Client other_client(config_, "other");
  LeaderLock mine(*client_, config_.key_prefix, kKind, 1000, "mine");
  LeaderLock theirs(other_client, config_.key_prefix, kKind, 1000, "theirs");
  EXPECT_TRUE(*mine.Acquire());
  EXPECT_FALSE(*theirs.Acquire());
  EXPECT_TRUE(*mine.Acquire()) << "re-acquiring our own key must renew it";
  EXPECT_TRUE(*mine.Renew());
  EXPECT_FALSE(*theirs.Renew());
  ASSERT_TRUE(theirs.Release().ok());
  EXPECT_TRUE(*mine.Renew()) << "another token's release deleted our key";
  ASSERT_TRUE(mine.Release().ok());
  EXPECT_TRUE(*theirs.Acquire());
  EXPECT_FALSE(*mine.Renew());
  ASSERT_TRUE(client_->Command({"PEXPIRE", Key(redis::keys::Leader), "1"}).ok());
  EXPECT_TRUE(
      testing::WaitUntil([&] { return *mine.Acquire(); }, std::chrono::seconds(2), "the key expires"));
  EXPECT_FALSE(*theirs.Renew()) << "an expired holder renewed";
}

}  // namespace
}  // namespace panoptes::scheduler
