#pragma once
// A TaskQueue wrapper that injects faults, for tests of what the agent does when the queue
// misbehaves: the next N calls fail without reaching the queue (an outage, a failover), or reach
// it and lose their reply (a connection dropped after the command ran). Calls pass through
// otherwise. Not thread-safe (like the queue it wraps, one thread at a time).

#include <functional>
#include <string>

#include "agent/task_queue.h"

namespace panoptes::agent {

class FaultyTaskQueue : public TaskQueue {
 public:
  // Which calls a fault applies to.
  enum class Op { kAny, kStep, kTake, kDeadLetter, kHeartbeat, kHandBack, kWorkers, kReap, kOperator };

  explicit FaultyTaskQueue(TaskQueue& inner) : inner_(inner) {}

  // The next `n` calls of `op` fail with `status` and are not applied.
  void FailNext(int n, Status status = Status::Unavailable("injected: redis unreachable"), Op op = Op::kAny);
  // The next `n` calls of `op` are applied, then answer `status` instead of their reply.
  void LoseNextReplies(int n, Status status = Status::IOError("injected: reply lost"), Op op = Op::kAny);
  // Called before each call (e.g. to change the world between two steps); nullptr: none.
  void OnCall(std::function<void(Op)> hook) { hook_ = std::move(hook); }

  int calls(Op op = Op::kAny) const { return op == Op::kAny ? total_ : counts_[static_cast<int>(op)]; }
  int faults() const { return faults_; }  // calls failed or whose reply was lost

  Result<StepReply> Step(const std::string& worker_id, const StepRequest& request) override;
  Result<std::optional<std::string>> Take(const std::string& worker_id,
                                          std::chrono::milliseconds block) override;
  Status DeadLetter(const std::string& worker_id, const std::string& raw, const std::string& entry) override;
  Result<QueueDepth> Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) override;
  Result<bool> HandBack(const std::string& worker_id) override;
  Result<std::vector<std::string>> Workers() override;
  Result<ReapResult> Reap(const std::string& worker_id, const std::string& status, const std::string& error,
                          bool check_heartbeat) override;
  // Faults of kOperator apply to these three.
  Result<std::optional<std::string>> QuarantinePlugin(const std::string& worker_id,
                                                      const std::string& error) override;
  Result<int> Unquarantine(const std::string& normalized_name, const std::string& resource_id) override;
  Result<std::vector<PluginHealth>> HealthReport() override;

 private:
  enum class Fault { kNone, kFail, kLoseReply };
  struct Pending {
    int n = 0;
    Status status;
    Op op = Op::kAny;
  };
  // Counts the call and says which fault (if any) it gets.
  Fault Next(Op op, Status& status);
  template <typename T, typename F>
  Result<T> Call(Op op, F&& call);

  TaskQueue& inner_;
  Pending fail_, lose_;
  std::function<void(Op)> hook_;
  int counts_[9] = {};
  int total_ = 0;
  int faults_ = 0;
};

}  // namespace panoptes::agent
