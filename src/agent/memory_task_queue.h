#pragma once
// The task queue in memory (task_queue.h), with the semantics of RedisTaskQueue: the contract
// tests (tests/contract/task_queue_contract.*) run against both. For unit tests of the worker and
// the supervisor.
//
// The state is a MemoryStore: a small model of the Redis types the scripts use, under the same key
// names (redis::keys), with expiry on an injectable clock, so tests can look at it the way they
// look at Redis. Several MemoryTaskQueues (workers, supervisors, kinds) share one store.
// Thread-safe: the store has a mutex, and Take waits on it.

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/task_queue.h"
#include "panoptes/kind.h"

namespace panoptes::agent {

class MemoryStore {
 public:
  using Clock = std::function<double()>;  // epoch seconds
  // Default clock: the system clock.
  explicit MemoryStore(Clock clock = {});

  // REQUIRES for all below: the caller holds mutex() (the queue does; tests use the Locked ones).
  double Now() const;
  std::optional<std::string> Get(const std::string& key);
  void Set(const std::string& key, std::string value, int64_t ttl_ms = 0);  // 0: no expiry
  bool Exists(const std::string& key);
  void Del(const std::string& key);
  void Expire(const std::string& key, int64_t ttl_ms);
  std::deque<std::string>& List(const std::string& key);  // front: the left end (LPUSH's)
  std::map<std::string, std::string>& Hash(const std::string& key);
  std::vector<std::string>& Stream(const std::string& key);  // the `data` field of each entry
  std::set<std::string>& Members(const std::string& key);
  std::map<std::string, double>& SortedSet(const std::string& key);  // member -> score

  std::mutex& mutex() { return mu_; }
  std::condition_variable& pushed() { return pushed_; }  // notified when a list grows

 private:
  void Purge(const std::string& key);  // drops `key` if it expired

  mutable std::mutex mu_;
  std::condition_variable pushed_;
  Clock clock_;
  std::map<std::string, std::string> strings_;
  std::map<std::string, std::deque<std::string>> lists_;
  std::map<std::string, std::map<std::string, std::string>> hashes_;
  std::map<std::string, std::vector<std::string>> streams_;
  std::map<std::string, std::set<std::string>> sets_;
  std::map<std::string, std::map<std::string, double>> zsets_;
  std::map<std::string, double> expiry_;  // key -> epoch seconds
};

class MemoryTaskQueue : public TaskQueue {
 public:
  MemoryTaskQueue(std::shared_ptr<MemoryStore> store, std::string prefix, PluginKind kind);

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

  MemoryStore& store() { return *store_; }

 private:
  struct StepState;
  // lua/outcome.lua's two functions.
  void AfterRun(const std::string& meta, const HealthPart& h, const std::string& status, double now,
                const std::string& nows);
  bool Quarantined(const std::string& meta, const HealthPart& h, double code_mtime, double now);
  // Sets the meta's TTL to kMetaTtlSeconds + kMetaTtlRenewSeconds and its expires_at to its end.
  void RenewMeta(std::map<std::string, std::string>& meta, const std::string& meta_key, double now);
  void Finish(StepState& s, const FinishPart& f, int maxlen);
  void Guard(StepState& s, const GuardPart& g, StepReply& reply);
  void Next(StepState& s, StepNext next, StepReply& reply);
  ReapResult Wait(const std::string& inflight_key, ReapResult r);  // REQUIRES: mutex held

  std::shared_ptr<MemoryStore> store_;
  std::string prefix_;
  PluginKind kind_;
  std::string queue_, deadletter_, workers_, quarantine_, freshness_;
};

}  // namespace panoptes::agent
