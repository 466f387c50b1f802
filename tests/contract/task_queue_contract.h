#pragma once
// The contract of agent::TaskQueue (src/agent/task_queue.h) as one test suite, run against every
// implementation: tests/unit/agent instantiates it with MemoryTaskQueue (label unit),
// tests/integration/agent with RedisTaskQueue on a real redis-server (label integration). So the
// Lua scripts and their in-memory twin cannot drift apart unnoticed.
//
// A "world" is a queue plus a look at its state through Redis' data types, under redis::keys'
// names: both implementations keep the same keys.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/task_queue.h"

namespace panoptes::testing {

class TaskQueueWorld {
 public:
  virtual ~TaskQueueWorld() = default;
  virtual agent::TaskQueue& queue() = 0;  // the polling kind's
  virtual const std::string& prefix() const = 0;
  // LPUSH (the producer's end of the queue; consumers take from the right).
  virtual void LPush(const std::string& key, const std::string& value) = 0;
  virtual std::vector<std::string> List(const std::string& key) = 0;  // left to right
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  virtual void Set(const std::string& key, const std::string& value) = 0;
  virtual std::optional<std::string> HGet(const std::string& key, const std::string& field) = 0;
  virtual void HSet(const std::string& key, const std::string& field, const std::string& value) = 0;
  virtual bool Exists(const std::string& key) = 0;
  virtual int64_t StreamLength(const std::string& key) = 0;
  virtual void Del(const std::string& key) = 0;
  virtual std::optional<double> ZScore(const std::string& key, const std::string& member) = 0;
  virtual void ZAdd(const std::string& key, double score, const std::string& member) = 0;
};

using WorldFactory = std::function<std::unique_ptr<TaskQueueWorld>()>;

class TaskQueueContract : public ::testing::TestWithParam<WorldFactory> {
 protected:
  void SetUp() override;

  // A guard part for task `n` (the raw text is all the queue compares).
  agent::GuardPart Guard(int n, int frequency = 60) const;
  // The finish part of task n's run: one metrics group.
  agent::FinishPart Finish(const agent::GuardPart& g) const;
  // A step that guards `guard` (if any), then takes the next task.
  static agent::StepRequest GuardThenTake(std::optional<agent::GuardPart> guard = std::nullopt);
  // With tasks 1 and 2 queued: takes task 1, then guards it (it runs) and prefetches task 2.
  agent::StepReply RunFirstWithSecondPrefetched();
  agent::StepReply Step(const agent::StepRequest& req, const std::string& worker = "w1");
  void Queue(int n) { world_->LPush(queue_, "task-" + std::to_string(n)); }
  std::vector<std::string> Inflight(const std::string& worker = "w1");
  std::string Metrics() const { return world_->prefix() + ":metrics:local"; }
  // Queues and takes g's task, guards it and returns the verdict; on kRun finishes it with
  // `status`. `due`: its last run is made long past first (so the frequency guard lets it run).
  agent::Verdict RunOnce(const agent::GuardPart& g, const std::string& status, bool due = true);
  // quarantined_until of task n's pair minus the queue's clock (nullopt: not quarantined).
  std::optional<double> QuarantineLeft(const agent::GuardPart& g);

  std::unique_ptr<TaskQueueWorld> world_;
  agent::TaskQueue* q_ = nullptr;
  std::string queue_, running_;
};

}  // namespace panoptes::testing
