#pragma once
// The schedule and the leader key of one kind in memory, with the semantics of
// RedisScheduleStore and RedisLeaderLock (the contract tests run both), for unit tests of the
// scheduler. Several stores and locks (schedulers competing for leadership) share one
// MemorySchedule; its clock is injectable. Thread-safe (one mutex).

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "scheduler/leader.h"
#include "scheduler/schedule_store.h"

namespace panoptes::scheduler {

struct MemorySchedule {
  using Clock = std::function<int64_t()>;  // epoch ms
  explicit MemorySchedule(Clock c = {});

  // REQUIRES for the fields: holding mu.
  std::mutex mu;
  Clock clock;
  std::optional<std::string> leader;  // the leader key's token
  int64_t leader_expires_ms = 0;
  std::map<std::string, int64_t> due;          // entry id -> due time (the sorted set)
  std::map<std::string, std::string> entries;  // entry id -> Entry::value
  std::map<std::string, std::string> plugins;  // normalized name -> its plugin record (Entry::plugin)
  std::deque<std::string> tasks;               // front: the producer's end (LPUSH)

  // The leader key's token, after dropping it if it expired.
  const std::optional<std::string>& Leader();
};

class MemoryScheduleStore : public ScheduleStore {
 public:
  explicit MemoryScheduleStore(std::shared_ptr<MemorySchedule> state) : s_(std::move(state)) {}

  using ScheduleStore::Rebuild;
  Result<RebuildStats> Rebuild(const EntrySource& source) override;
  Result<RebuildStats> Rebuild(const EntrySource& source, const std::vector<std::string>& scope) override;
  Result<DispatchResult> Dispatch(const std::string& leader_token, int batch) override;
  Result<std::vector<ListedEntry>> List() override;
  Result<int64_t> Count() override;
  Result<int64_t> ServerTimeMs() override;

 private:
  RebuildStats Apply(const EntrySource& source, const std::vector<std::string>* scope);
  int64_t RecordFrequency(std::string_view name) const;
  bool Resolve(const std::string& id, int64_t& frequency_ms, int64_t& expires_ms,
               std::string& task_prefix) const;
  std::shared_ptr<MemorySchedule> s_;
};

class MemoryLeaderLock : public LeaderLock {
 public:
  MemoryLeaderLock(std::shared_ptr<MemorySchedule> state, int ttl_ms, std::string token)
      : s_(std::move(state)), ttl_ms_(ttl_ms), token_(std::move(token)) {}

  Result<bool> Acquire() override;
  Result<bool> Renew() override;
  Status Release() override;
  const std::string& token() const override { return token_; }
  int ttl_ms() const override { return ttl_ms_; }

 private:
  bool RenewLocked();

  std::shared_ptr<MemorySchedule> s_;
  int ttl_ms_;
  std::string token_;
};

}  // namespace panoptes::scheduler
