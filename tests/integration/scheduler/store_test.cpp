// RedisScheduleStore and RedisLeaderLock against a real redis-server: the schedule contract
// (tests/contract/schedule_contract.*) and what only Redis has (round trips).

#include <gtest/gtest.h>

#include "contract/schedule_contract.h"
#include "model/json.h"
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

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "test");
    store_ = std::make_unique<RedisScheduleStore>(*client_, config_.key_prefix, kKind);
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
  std::unique_ptr<RedisScheduleStore> store_;
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

 private:
  testing::RedisServer server_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::vector<std::unique_ptr<redis::Client>> clients_;
  std::unique_ptr<RedisScheduleStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Redis, ScheduleContract, ::testing::Values(testing::ScheduleWorldFactory([] {
                           return std::make_unique<RedisScheduleWorld>();
                         })));

}  // namespace
}  // namespace panoptes::scheduler
