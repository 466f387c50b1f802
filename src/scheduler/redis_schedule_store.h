#pragma once
// The schedule of one kind in Redis (schedule_store.h): the dispatch is one Lua script
// (lua/dispatch.lua, embedded at build time), the rebuild pipelined writes in batches. Not
// thread-safe (one redis::Client): one store per thread.

#include <string>
#include <utility>
#include <vector>

#include "redis/client.h"
#include "scheduler/schedule_store.h"

namespace panoptes::scheduler {

class RedisScheduleStore : public ScheduleStore {
 public:
  // `client` must outlive the store. `key_prefix` is P ([redis] key_prefix).
  RedisScheduleStore(redis::Client& client, const std::string& key_prefix, PluginKind kind);

  using ScheduleStore::Rebuild;
  // Changes are written in pipelined batches as they are found, so memory stays bounded.
  Result<RebuildStats> Rebuild(const EntrySource& source) override;
  // Reads the digests of `scope` with HSCAN MATCH "<name>:*" (normalized names are [A-Za-z0-9_]
  // (config::NormalizedName): no glob character, and no ':' so the pattern matches one plugin).
  Result<RebuildStats> Rebuild(const EntrySource& source, const std::vector<std::string>& scope) override;
  Result<DispatchResult> Dispatch(const std::string& leader_token, int batch) override;
  Result<std::vector<ListedEntry>> List() override;
  Result<int64_t> Count() override;
  Result<int64_t> ServerTimeMs() override;

 private:
  using Digests = std::vector<std::pair<std::string, std::string>>;
  // The digests of every entry, or with a non-empty `match` of the ids matching that HSCAN pattern.
  Status ReadDigests(const std::string& match, Digests& out);
  Result<RebuildStats> Apply(const EntrySource& source, const Digests& current);
  Status Flush(std::vector<redis::Args>& commands, RebuildStats& stats, size_t& outstanding);
  Status Collect(size_t& outstanding, RebuildStats& stats);

  redis::Client& client_;
  std::string leader_key_;
  std::string schedule_key_;
  std::string entries_key_;
  std::string digests_key_;
  std::string tasks_key_;
};

}  // namespace panoptes::scheduler
