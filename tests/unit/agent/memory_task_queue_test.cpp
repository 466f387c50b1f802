// The TaskQueue contract (tests/contract) against MemoryTaskQueue, plus the fault wrapper.

#include "agent/memory_task_queue.h"

#include <gtest/gtest.h>

#include "agent/faulty_task_queue.h"
#include "contract/task_queue_contract.h"

namespace panoptes::testing {
namespace {

class MemoryWorld : public TaskQueueWorld {
 public:
  MemoryWorld()
      : store_(std::make_shared<agent::MemoryStore>()), queue_(store_, prefix_, PluginKind::kPolling) {}
  agent::TaskQueue& queue() override { return queue_; }
  const std::string& prefix() const override { return prefix_; }
  void LPush(const std::string& key, const std::string& value) override {
    std::lock_guard lock(store_->mutex());
    store_->List(key).push_front(value);
    store_->pushed().notify_all();
  }
  std::vector<std::string> List(const std::string& key) override {
    std::lock_guard lock(store_->mutex());
    const auto& l = store_->List(key);
    return {l.begin(), l.end()};
  }
  std::optional<std::string> Get(const std::string& key) override {
    std::lock_guard lock(store_->mutex());
    return store_->Get(key);
  }
  void Set(const std::string& key, const std::string& value) override {
    std::lock_guard lock(store_->mutex());
    store_->Set(key, value);
  }
  std::optional<std::string> HGet(const std::string& key, const std::string& field) override {
    std::lock_guard lock(store_->mutex());
    const auto& h = store_->Hash(key);
    auto it = h.find(field);
    return it == h.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void HSet(const std::string& key, const std::string& field, const std::string& value) override {
    std::lock_guard lock(store_->mutex());
    store_->Hash(key)[field] = value;
  }
  bool Exists(const std::string& key) override {
    std::lock_guard lock(store_->mutex());
    return store_->Exists(key);
  }
  int64_t StreamLength(const std::string& key) override {
    std::lock_guard lock(store_->mutex());
    return static_cast<int64_t>(store_->Stream(key).size());
  }
  void Del(const std::string& key) override {
    std::lock_guard lock(store_->mutex());
    store_->Del(key);
  }
  std::optional<double> ZScore(const std::string& key, const std::string& member) override {
    std::lock_guard lock(store_->mutex());
    const auto& z = store_->SortedSet(key);
    auto it = z.find(member);
    return it == z.end() ? std::nullopt : std::optional<double>(it->second);
  }
  void ZAdd(const std::string& key, double score, const std::string& member) override {
    std::lock_guard lock(store_->mutex());
    store_->SortedSet(key)[member] = score;
  }

 private:
  std::string prefix_ = "test";
  std::shared_ptr<agent::MemoryStore> store_;
  agent::MemoryTaskQueue queue_;
};

INSTANTIATE_TEST_SUITE_P(Memory, TaskQueueContract,
                         ::testing::Values(WorldFactory([] { return std::make_unique<MemoryWorld>(); })));

TEST(MemoryTaskQueue, LocksAndHeartbeatsExpireOnItsClock) {
  double now = 2e9;
  auto store = std::make_shared<agent::MemoryStore>([&] { return now; });
  agent::MemoryTaskQueue q(store, "t", PluginKind::kPolling);
  ASSERT_TRUE(q.Heartbeat({"w1"}, 10000).ok());
  now += 9.9;
  EXPECT_TRUE(q.Reap("w1", "crashed", "", true)->alive);
  now += 0.2;
  EXPECT_FALSE(q.Reap("w1", "crashed", "", true)->alive) << "the heartbeat outlived its TTL";
}

TEST(FaultyTaskQueue, FailsWithoutApplyingOrAppliesAndLosesTheReply) {
  auto store = std::make_shared<agent::MemoryStore>();
  agent::MemoryTaskQueue inner(store, "t", PluginKind::kPolling);
  agent::FaultyTaskQueue q(inner);
  {
    std::lock_guard lock(store->mutex());
    store->List("t:tasks:polling") = {"task-2", "task-1"};
  }
  agent::StepRequest take;
  take.next = agent::StepNext::kTake;
  q.FailNext(1, Status::Unavailable("down"));
  auto failed = q.Step("w1", take);
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(inner.Step("w1", {})->taken, std::nullopt) << "a failed call is not applied";

  q.LoseNextReplies(1, Status::IOError("lost"), agent::FaultyTaskQueue::Op::kStep);
  EXPECT_EQ(q.Step("w1", take).status().code(), StatusCode::kIOError);
  EXPECT_EQ(q.Step("w1", take)->taken, "task-1") << "the lost call was applied";
  EXPECT_EQ(q.calls(agent::FaultyTaskQueue::Op::kStep), 3);
  EXPECT_EQ(q.faults(), 2);
}

}  // namespace
}  // namespace panoptes::testing
