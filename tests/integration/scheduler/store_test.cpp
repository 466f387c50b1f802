// RedisScheduleStore and RedisLeaderLock against a real redis-server: the schedule contract
// (tests/contract/schedule_contract.*) and what only Redis has (round trips).

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "contract/schedule_contract.h"
#include "redis/keys.h"
#include "scheduler/leader.h"
#include "scheduler/redis_schedule_store.h"
#include "support/redis_server.h"

namespace panoptes::scheduler {
namespace {

using testing::ScheduleContract;

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

class RedisScheduleWorld : public testing::ScheduleWorld {
 public:
  RedisScheduleWorld() {
    EXPECT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "schedule-contract");
    store_ = std::make_unique<RedisScheduleStore>(*client_, config_.key_prefix, kKind);
  }
  ScheduleStore& store() override { return *store_; }
  std::unique_ptr<LeaderLock> Lock(const std::string& token, int ttl_ms) override {
    clients_.push_back(std::make_unique<redis::Client>(config_, "schedule-contract-" + token));
    return std::make_unique<RedisLeaderLock>(*clients_.back(), config_.key_prefix, kKind, ttl_ms, token);
  }
  int64_t Score(const std::string& id) override {
    auto r = client_->Command({"ZSCORE", redis::keys::Schedule(config_.key_prefix, kKind), id});
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->IsNil() ? std::stoll(r->str) : -1;
  }
  void SetScore(const std::string& id, int64_t score) override {
    EXPECT_TRUE(
        client_
            ->Command({"ZADD", redis::keys::Schedule(config_.key_prefix, kKind), std::to_string(score), id})
            .ok());
  }
  std::vector<std::string> PopTasks() override {
    std::vector<std::string> out;
    while (true) {
      auto r = client_->Command({"RPOP", redis::keys::Tasks(config_.key_prefix, kKind)});
      if (!r.ok() || r->IsNil()) return out;
      out.push_back(r->str);
    }
  }
  void SetLeader(const std::string& token) override {
    EXPECT_TRUE(client_->Command({"SET", redis::keys::Leader(config_.key_prefix, kKind), token}).ok());
  }
  void ExpireLeader() override {
    EXPECT_TRUE(client_->Command({"DEL", redis::keys::Leader(config_.key_prefix, kKind)}).ok());
  }
  // What only the Redis tests below use.
  redis::Client& client() { return *client_; }
  const RedisConfig& config() const { return config_; }

 private:
  testing::RedisServer server_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::vector<std::unique_ptr<redis::Client>> clients_;
  std::unique_ptr<RedisScheduleStore> store_;
};

// What only Redis has (round trips, other connections), on the contract suite's world.
class StoreTest : public ::testing::Test {
 protected:
  RedisScheduleWorld world_;
  redis::Client* client_ = &world_.client();
  const RedisConfig& config_ = world_.config();
  ScheduleStore* store_ = &world_.store();
};

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

// New cadences go out in sorted runs, each written a little with every later batch: with runs of
// 1,000 and 20,000 new entries, every entry is scheduled once, due within [start, end] of the
// rebuild + 250 ms + its splay (counted from when its batch was written).
TEST_F(StoreTest, NewCadencesWrittenInManyRunsAreEachDueFromTheirTimeOfWriting) {
  RedisScheduleStore store(*client_, config_.key_prefix, kKind, {.due_run = 1000});
  std::vector<Entry> entries;
  for (int i = 0; i < 20000; ++i) {
    Resource r = MakeResource("r" + std::to_string(i));
    entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  }
  auto start = store.ServerTimeMs();
  ASSERT_TRUE(start.ok());
  auto stats = store.Rebuild(entries);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto end = store.ServerTimeMs();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(stats->added, 20000u);
  auto listed = store.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 20000u);
  std::map<std::string, int64_t> due;
  for (const ListedEntry& e : *listed) due[e.id] = e.next_due_ms;
  for (const Entry& e : entries) {
    ASSERT_EQ(due.count(e.id), 1u) << e.id << " has no due time";
    const int64_t first = kNewEntryMarginMs + SplayMs(e.id, 60000);
    EXPECT_GE(due[e.id], *start + first) << e.id;
    EXPECT_LE(due[e.id], *end + first) << e.id;
  }
}

// Several batches are in flight at once; when one of them fails, the replies of the others are
// read too, so the connection stays usable: here every HSET fails (the entries key is made a
// string behind the store's back, after a rebuild that let it trust its digests: nothing is read).
TEST_F(StoreTest, ABatchThatFailsLeavesTheConnectionInStep) {
  ASSERT_TRUE(store_->Rebuild(std::vector<Entry>{}).ok());
  ASSERT_TRUE(client_->Command({"SET", redis::keys::ScheduleEntries(config_.key_prefix, kKind), "x"}).ok());
  std::vector<Entry> entries;
  for (int i = 0; i < 20000; ++i) {
    Resource r = MakeResource("r" + std::to_string(i));
    entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  }
  auto failed = store_->Rebuild(entries);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("WRONGTYPE"), std::string::npos) << failed.status().ToString();
  auto echo = client_->Command({"ECHO", "in step"});
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  EXPECT_EQ(echo->str, "in step");
  ASSERT_TRUE(client_->Command({"DEL", redis::keys::ScheduleEntries(config_.key_prefix, kKind)}).ok());
  auto rebuilt = store_->Rebuild(entries);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(*store_->Count(), 20000);
}

// A rebuild that failed after writing values but before their held-back due times leaves entries
// without one (made here with ZREM): the next scheduler to read the schedule back gives them a new
// cadence, and keeps the others'.
TEST_F(StoreTest, AnEntryWhoseDueTimeWasNeverWrittenGetsANewCadenceWhenReadBack) {
  std::vector<Entry> entries;
  for (int i = 0; i < 10; ++i) {
    Resource r = MakeResource("r" + std::to_string(i));
    entries.push_back(MakeEntry(Plugin("poll", 60), &r));
  }
  ASSERT_TRUE(store_->Rebuild(entries).ok());
  const std::string schedule = redis::keys::Schedule(config_.key_prefix, kKind);
  ASSERT_TRUE(client_->Command({"ZADD", schedule, "XX", "1000", entries[0].id}).ok());
  ASSERT_TRUE(client_->Command({"ZREM", schedule, entries[1].id, entries[2].id}).ok());
  redis::Client fresh_client(config_, "fresh");
  RedisScheduleStore fresh(fresh_client, config_.key_prefix, kKind);
  auto rebuilt = fresh.Rebuild(entries);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->rescheduled, 2u);
  EXPECT_EQ(rebuilt->unchanged, 8u);
  EXPECT_EQ(rebuilt->updated + rebuilt->added, 0u);
  EXPECT_EQ(*store_->Count(), 10);
  EXPECT_EQ(world_.Score(entries[0].id), 1000) << "a kept cadence was reset";
  EXPECT_GT(world_.Score(entries[1].id), 1000);
  EXPECT_GT(world_.Score(entries[2].id), 1000);
}

TEST_F(StoreTest, ScopedRebuildWithItsOwnDigestsReadsNothingBack) {
  std::vector<Entry> entries;
  for (int i = 0; i < 100; ++i) {
    Resource r = MakeResource("r" + std::to_string(i));
    entries.push_back(MakeEntry(Plugin("one", 60), &r));
    entries.push_back(MakeEntry(Plugin("two", 60), &r));
  }
  ASSERT_TRUE(store_->Rebuild(entries).ok());
  PluginInfo changed = Plugin("one", 60);
  changed.time_limit = 5;
  Resource r0 = MakeResource("r0");
  uint64_t before = client_->round_trips();
  auto stats = store_->Rebuild(
      [&](const std::function<void(Entry &&)>& sink) { sink(MakeEntry(changed, &r0)); }, {"one"});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->plugins_written, 1u);  // the time limit is in the plugin's record
  EXPECT_EQ(stats->unchanged, 1u);
  EXPECT_EQ(stats->removed, 99u);
  // Two INCRs of the writes counter, TIME, one flush: no HSCAN of the schedule.
  EXPECT_LE(client_->round_trips() - before, 4u);
  EXPECT_EQ(*store_->Count(), 101);
}

TEST_F(StoreTest, RebuildReadsTheDigestsAgainAfterAnotherStoreRebuilt) {
  Resource a = MakeResource("a"), b = MakeResource("b");
  std::vector<Entry> both = {MakeEntry(Plugin("poll", 60), &a), MakeEntry(Plugin("poll", 60), &b)};
  ASSERT_TRUE(store_->Rebuild(both).ok());
  // Another scheduler (its own connection and store) rebuilds with only one of them.
  redis::Client other_client(config_, "other");
  RedisScheduleStore other(other_client, config_.key_prefix, kKind);
  auto removed = other.Rebuild(std::vector<Entry>{both[0]});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->removed, 1u);
  // This store's own digests still list both; it must not trust them now.
  auto again = store_->Rebuild(both);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->added, 1u);
  EXPECT_EQ(again->unchanged, 1u);
  EXPECT_EQ(*store_->Count(), 2);
  // And the same for a scoped rebuild.
  ASSERT_TRUE(other.Rebuild(std::vector<Entry>{both[0]}).ok());
  auto scoped = store_->Rebuild(
      [&](const std::function<void(Entry &&)>& sink) {
        for (const Entry& e : both) sink(Entry(e));
      },
      {"poll"});
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->added, 1u);
  EXPECT_EQ(*store_->Count(), 2);
}

// A schedule written by an earlier build kept the whole task prefix in each entry's value
// ("<frequency_ms>|<expires_ms>|<task prefix>") and had no plugin records. The dispatch still
// reads such values, and the first rebuild rewrites them in this layout, keeping every cadence.
TEST_F(StoreTest, AScheduleOfTheEarlierLayoutIsDispatchedAndRewrittenWithItsCadenceKept) {
  const std::string schedule = redis::keys::Schedule(config_.key_prefix, kKind);
  const std::string entries = redis::keys::ScheduleEntries(config_.key_prefix, kKind);
  const std::string plugins = redis::keys::SchedulePlugins(config_.key_prefix, kKind);
  const std::string tasks = redis::keys::Tasks(config_.key_prefix, kKind);
  Resource a = MakeResource("a"), b = MakeResource("b");
  std::vector<Entry> desired = {MakeEntry(Plugin("poll", 60), &a), MakeEntry(Plugin("poll", 60), &b)};
  auto now = store_->ServerTimeMs();
  ASSERT_TRUE(now.ok());
  for (size_t i = 0; i < desired.size(); ++i) {
    const Entry& e = desired[i];
    std::string legacy = "60000|120000|" + e.task_prefix();
    ASSERT_TRUE(client_->Command({"HSET", entries, e.id, legacy}).ok());
    ASSERT_TRUE(
        client_->Command({"ZADD", schedule, std::to_string(*now - 5 - static_cast<int64_t>(i)), e.id}).ok());
  }
  ASSERT_TRUE(client_->Command({"SET", redis::keys::Leader(config_.key_prefix, kKind), "t"}).ok());
  auto d = store_->Dispatch("t", 100);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->dispatched, 2);
  for (size_t i = 0; i < desired.size(); ++i) {
    auto raw = client_->Command({"RPOP", tasks});
    ASSERT_TRUE(raw.ok());
    const Entry& e = desired[1 - i];  // the older due time first
    int64_t slot = *now - 5 - static_cast<int64_t>(1 - i);
    EXPECT_EQ(raw->str, DispatchedTask(e.task_prefix(), e.id, slot, e.expires_ms));
  }
  // A new scheduler (no digests of its own) reads the old values back and rewrites them.
  redis::Client fresh_client(config_, "fresh");
  RedisScheduleStore fresh(fresh_client, config_.key_prefix, kKind);
  auto rebuilt = fresh.Rebuild(desired);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->updated, 2u);
  EXPECT_EQ(rebuilt->rescheduled + rebuilt->added, 0u) << "the upgrade reset a cadence";
  EXPECT_EQ(rebuilt->plugins_written, 1u);
  for (size_t i = 0; i < desired.size(); ++i) {
    auto value = client_->Command({"HGET", entries, desired[i].id});
    EXPECT_EQ(value->str, desired[i].value);
    auto score = client_->Command({"ZSCORE", schedule, desired[i].id});
    EXPECT_EQ(score->str, std::to_string(*now - 5 - static_cast<int64_t>(i) + 60000));
  }
  EXPECT_EQ(client_->Command({"HGET", plugins, "poll"})->str, desired[0].plugin);
  EXPECT_EQ(fresh.Rebuild(desired)->unchanged, 2u);
}

// A value without a plugin record (a record removed by hand) cannot make a task: the entry is
// dropped from the schedule, as one without a value is.
TEST_F(StoreTest, AnEntryWhosePluginHasNoRecordIsDropped) {
  Resource a = MakeResource("a");
  Entry e = MakeEntry(Plugin("poll", 60), &a);
  ASSERT_TRUE(store_->Rebuild(std::vector<Entry>{e}).ok());
  ASSERT_TRUE(
      client_->Command({"HDEL", redis::keys::SchedulePlugins(config_.key_prefix, kKind), "poll"}).ok());
  ASSERT_TRUE(
      client_->Command({"ZADD", redis::keys::Schedule(config_.key_prefix, kKind), "1000", e.id}).ok());
  ASSERT_TRUE(client_->Command({"SET", redis::keys::Leader(config_.key_prefix, kKind), "t"}).ok());
  auto d = store_->Dispatch("t", 100);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->dispatched, 0);
  EXPECT_EQ(*store_->Count(), 0);
}

INSTANTIATE_TEST_SUITE_P(Redis, ScheduleContract, ::testing::Values(testing::ScheduleWorldFactory([] {
                           return std::make_unique<RedisScheduleWorld>();
                         })));

}  // namespace
}  // namespace panoptes::scheduler
