// The schedule contract (tests/contract/schedule_contract.*) against the memory twins.

#include "scheduler/memory_schedule.h"

#include <gtest/gtest.h>

#include "contract/schedule_contract.h"

namespace panoptes::testing {
namespace {

class MemoryScheduleWorld : public ScheduleWorld {
 public:
  MemoryScheduleWorld() : state_(std::make_shared<scheduler::MemorySchedule>()), store_(state_) {}
  scheduler::ScheduleStore& store() override { return store_; }
  std::unique_ptr<scheduler::LeaderLock> Lock(const std::string& token, int ttl_ms) override {
    return std::make_unique<scheduler::MemoryLeaderLock>(state_, ttl_ms, token);
  }
  int64_t Score(const std::string& id) override {
    std::lock_guard lock(state_->mu);
    auto it = state_->due.find(id);
    return it == state_->due.end() ? -1 : it->second;
  }
  void SetScore(const std::string& id, int64_t due_ms) override {
    std::lock_guard lock(state_->mu);
    state_->due[id] = due_ms;
  }
  std::vector<std::string> PopTasks() override {
    std::lock_guard lock(state_->mu);
    std::vector<std::string> out(state_->tasks.rbegin(), state_->tasks.rend());
    state_->tasks.clear();
    return out;
  }
  void SetLeader(const std::string& token) override {
    std::lock_guard lock(state_->mu);
    state_->leader = token;
    state_->leader_expires_ms = INT64_MAX;
  }
  void ExpireLeader() override {
    std::lock_guard lock(state_->mu);
    state_->leader_expires_ms = state_->clock();
  }

 private:
  std::shared_ptr<scheduler::MemorySchedule> state_;
  scheduler::MemoryScheduleStore store_;
};

INSTANTIATE_TEST_SUITE_P(Memory, ScheduleContract, ::testing::Values(ScheduleWorldFactory([] {
                           return std::make_unique<MemoryScheduleWorld>();
                         })));

TEST(MemoryLeaderLock, ExpiresOnItsClock) {
  int64_t now = 1'000'000;
  auto state = std::make_shared<scheduler::MemorySchedule>([&] { return now; });
  scheduler::MemoryLeaderLock a(state, 1000, "a"), b(state, 1000, "b");
  EXPECT_TRUE(*a.Acquire());
  now += 999;
  EXPECT_FALSE(*b.Acquire());
  now += 1;
  EXPECT_TRUE(*b.Acquire()) << "the key lives ttl_ms";
  EXPECT_FALSE(*a.Renew());
}

}  // namespace
}  // namespace panoptes::testing
