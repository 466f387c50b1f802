// The TaskQueue contract (tests/contract) against RedisTaskQueue on a real redis-server.

#include "agent/redis_task_queue.h"

#include <gtest/gtest.h>

#include "contract/task_queue_contract.h"
#include "redis/client.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

class RedisWorld : public TaskQueueWorld {
 public:
  RedisWorld() {
    started_ = redis_.Start();
    prefix_ = redis_.Config().key_prefix;
    client_ = std::make_unique<redis::Client>(redis_.Config(), "task-queue-contract");
    queue_ = std::make_unique<agent::RedisTaskQueue>(*client_, prefix_, PluginKind::kPolling);
  }
  agent::TaskQueue& queue() override { return *queue_; }
  const std::string& prefix() const override { return prefix_; }
  void LPush(const std::string& key, const std::string& value) override { Run({"LPUSH", key, value}); }
  std::vector<std::string> List(const std::string& key) override {
    std::vector<std::string> out;
    for (const auto& e : Run({"LRANGE", key, "0", "-1"}).elements) out.push_back(e.str);
    return out;
  }
  std::optional<std::string> Get(const std::string& key) override { return Optional(Run({"GET", key})); }
  void Set(const std::string& key, const std::string& value) override { Run({"SET", key, value}); }
  std::optional<std::string> HGet(const std::string& key, const std::string& field) override {
    return Optional(Run({"HGET", key, field}));
  }
  void HSet(const std::string& key, const std::string& field, const std::string& value) override {
    Run({"HSET", key, field, value});
  }
  bool Exists(const std::string& key) override { return Run({"EXISTS", key}).integer == 1; }
  int64_t StreamLength(const std::string& key) override { return Run({"XLEN", key}).integer; }
  void Del(const std::string& key) override { Run({"DEL", key}); }

 private:
  redis::Reply Run(const redis::Args& argv) {
    auto r = client_->Command(argv);
    EXPECT_TRUE(r.ok()) << argv[0] << ": " << r.status().ToString();
    return r.ok() ? *r : redis::Reply{};
  }
  static std::optional<std::string> Optional(const redis::Reply& r) {
    return r.IsNil() ? std::nullopt : std::optional<std::string>(r.str);
  }

  RedisServer redis_;
  bool started_ = false;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<agent::RedisTaskQueue> queue_;
};

INSTANTIATE_TEST_SUITE_P(Redis, TaskQueueContract,
                         ::testing::Values(WorldFactory([] { return std::make_unique<RedisWorld>(); })));

}  // namespace
}  // namespace panoptes::testing
