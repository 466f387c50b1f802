#pragma once
// The contract of scheduler::ScheduleStore and scheduler::LeaderLock (src/scheduler/) as one test
// suite, run against every implementation: tests/unit/scheduler with the memory twins (label
// unit), tests/integration/scheduler with Redis (label integration).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scheduler/leader.h"
#include "scheduler/schedule_store.h"

namespace panoptes::testing {

class ScheduleWorld {
 public:
  virtual ~ScheduleWorld() = default;
  virtual scheduler::ScheduleStore& store() = 0;  // the polling kind's
  // A leader lock of the polling kind with its own connection, as another scheduler has.
  virtual std::unique_ptr<scheduler::LeaderLock> Lock(const std::string& token, int ttl_ms) = 0;
  virtual int64_t Score(const std::string& id) = 0;  // -1: not scheduled
  virtual void SetScore(const std::string& id, int64_t due_ms) = 0;
  virtual std::vector<std::string> PopTasks() = 0;  // oldest first, emptying the task queue
  virtual void SetLeader(const std::string& token) = 0;
  virtual void ExpireLeader() = 0;  // the leader key's lifetime runs out now
};

using ScheduleWorldFactory = std::function<std::unique_ptr<ScheduleWorld>()>;

class ScheduleContract : public ::testing::TestWithParam<ScheduleWorldFactory> {
 protected:
  void SetUp() override { world_ = GetParam()(); }
  std::vector<Task> PopTasks();

  std::unique_ptr<ScheduleWorld> world_;
};

}  // namespace panoptes::testing
