#include "agent/faulty_task_queue.h"

namespace panoptes::agent {

void FaultyTaskQueue::FailNext(int n, Status status, Op op) {
  fail_ = {n, std::move(status), op};
}

void FaultyTaskQueue::LoseNextReplies(int n, Status status, Op op) {
  lose_ = {n, std::move(status), op};
}

FaultyTaskQueue::Fault FaultyTaskQueue::Next(Op op, Status& status) {
  if (hook_) hook_(op);
  ++total_;
  ++counts_[static_cast<int>(op)];
  for (auto [pending, fault] : {std::pair{&fail_, Fault::kFail}, std::pair{&lose_, Fault::kLoseReply}}) {
    if (pending->n > 0 && (pending->op == Op::kAny || pending->op == op)) {
      --pending->n;
      ++faults_;
      status = pending->status;
      return fault;
    }
  }
  return Fault::kNone;
}

template <typename T, typename F>
Result<T> FaultyTaskQueue::Call(Op op, F&& call) {
  Status status;
  Fault fault = Next(op, status);
  if (fault == Fault::kFail) return status;
  Result<T> r = call();
  if (fault == Fault::kLoseReply) return status;
  return r;
}

Result<StepReply> FaultyTaskQueue::Step(const std::string& worker_id, const StepRequest& request) {
  return Call<StepReply>(Op::kStep, [&] { return inner_.Step(worker_id, request); });
}

Result<std::optional<std::string>> FaultyTaskQueue::Take(const std::string& worker_id,
                                                         std::chrono::milliseconds block) {
  return Call<std::optional<std::string>>(Op::kTake, [&] { return inner_.Take(worker_id, block); });
}

Status FaultyTaskQueue::DeadLetter(const std::string& worker_id, const std::string& raw,
                                   const std::string& entry) {
  return Call<bool>(Op::kDeadLetter,
                    [&]() -> Result<bool> {
                      Status st = inner_.DeadLetter(worker_id, raw, entry);
                      if (!st.ok()) return st;
                      return true;
                    })
      .status();
}

Result<QueueDepth> FaultyTaskQueue::Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) {
  return Call<QueueDepth>(Op::kHeartbeat, [&] { return inner_.Heartbeat(worker_ids, ttl_ms); });
}

Result<bool> FaultyTaskQueue::HandBack(const std::string& worker_id) {
  return Call<bool>(Op::kHandBack, [&] { return inner_.HandBack(worker_id); });
}

Result<std::vector<std::string>> FaultyTaskQueue::Workers() {
  return Call<std::vector<std::string>>(Op::kWorkers, [&] { return inner_.Workers(); });
}

Result<ReapResult> FaultyTaskQueue::Reap(const std::string& worker_id, const std::string& status,
                                         const std::string& error, bool check_heartbeat) {
  return Call<ReapResult>(Op::kReap, [&] { return inner_.Reap(worker_id, status, error, check_heartbeat); });
}

Result<std::optional<std::string>> FaultyTaskQueue::QuarantinePlugin(const std::string& worker_id,
                                                                     const std::string& error) {
  return Call<std::optional<std::string>>(Op::kOperator,
                                          [&] { return inner_.QuarantinePlugin(worker_id, error); });
}

Result<int> FaultyTaskQueue::Unquarantine(const std::string& normalized_name,
                                          const std::string& resource_id) {
  return Call<int>(Op::kOperator, [&] { return inner_.Unquarantine(normalized_name, resource_id); });
}

Result<std::vector<PluginHealth>> FaultyTaskQueue::HealthReport() {
  return Call<std::vector<PluginHealth>>(Op::kOperator, [&] { return inner_.HealthReport(); });
}

}  // namespace panoptes::agent
