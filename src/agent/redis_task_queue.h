#pragma once
// The task queue in Redis (task_queue.h): one Lua script per compound operation (lua/*.lua, embedded at
// build time), so each call is one round trip and
// atomic. Key names are redis::keys' (docs/redis.md, "Agent"). Uses the caller's client: one
// thread at a time; the client outlives the queue.

#include <string>

#include "agent/task_queue.h"
#include "panoptes/kind.h"
#include "redis/client.h"

namespace panoptes::agent {

// The scripts, for benchmarks that drive them directly (bench/redis_ceiling).
const redis::Script& StepScript();

class RedisTaskQueue : public TaskQueue {
 public:
  RedisTaskQueue(redis::Client& client, std::string prefix, PluginKind kind);

  Result<StepReply> Step(const std::string& worker_id, const StepRequest& request) override;
  Result<std::optional<std::string>> Take(const std::string& worker_id,
                                          std::chrono::milliseconds block) override;
  Status DeadLetter(const std::string& worker_id, const std::string& raw, const std::string& entry) override;
  Result<QueueDepth> Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) override;
  Result<bool> HandBack(const std::string& worker_id) override;
  Result<std::vector<bool>> HandBackEach(const std::vector<std::string>& worker_ids) override;
  Result<std::vector<std::string>> Workers() override;
  Result<ReapResult> Reap(const std::string& worker_id, const std::string& status, const std::string& error,
                          bool check_heartbeat) override;
  Result<std::optional<std::string>> QuarantinePlugin(const std::string& worker_id,
                                                      const std::string& error) override;
  Result<int> Unquarantine(const std::string& normalized_name, const std::string& resource_id) override;
  Result<std::vector<PluginHealth>> HealthReport() override;

 private:
  // The keys of one worker, kept for the last worker asked about (a worker asks about itself only).
  struct WorkerKeys {
    std::string id, inflight, running, heartbeat;
  };
  const WorkerKeys& KeysOf(const std::string& worker_id);

  redis::Client& client_;
  std::string prefix_;
  PluginKind kind_;
  std::string queue_, deadletter_, workers_, quarantine_, freshness_;
  WorkerKeys last_;
};

}  // namespace panoptes::agent
