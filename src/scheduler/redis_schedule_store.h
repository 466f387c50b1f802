#pragma once
// The schedule of one kind in Redis (schedule_store.h): the dispatch is one Lua script
// (lua/dispatch.lua, embedded at build time), the rebuild pipelined writes in batches, encoded
// as they are produced. The store keeps the digests it last wrote (DigestTable) and trusts them
// while P:schedule:<kind>:writes shows that no other store has rebuilt since (each rebuild bumps
// that counter before it reads or writes and after its writes); otherwise it reads the values
// back from Redis first and hashes them. Not
// thread-safe (one redis::Client): one store per thread.

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "redis/client.h"
#include "scheduler/digest_table.h"
#include "scheduler/schedule_store.h"

namespace panoptes::scheduler {

struct RedisScheduleOptions {
  // New cadences a rebuild holds back to write them sorted by due time (about 60 bytes each):
  // Redis inserts into the sorted set faster in order. Smaller in tests, to exercise several runs.
  size_t due_run = 262144;
};

class RedisScheduleStore : public ScheduleStore {
 public:
  // `client` must outlive the store. `key_prefix` is P ([redis] key_prefix).
  RedisScheduleStore(redis::Client& client, const std::string& key_prefix, PluginKind kind,
                     RedisScheduleOptions options = {});

  using ScheduleStore::Rebuild;
  // Changes are written in pipelined batches as they are found, so memory stays bounded.
  Result<RebuildStats> Rebuild(const EntrySource& source) override;
  // Without digests to trust, reads the entries of `scope` with HSCAN MATCH "<name>:*" (normalized
  // names are [A-Za-z0-9_] (config::NormalizedName): no glob character, and no ':' so the pattern
  // matches one plugin).
  Result<RebuildStats> Rebuild(const EntrySource& source, const std::vector<std::string>& scope) override;
  Result<DispatchResult> Dispatch(const std::string& leader_token, int batch) override;
  Result<std::vector<ListedEntry>> List() override;
  Result<int64_t> Count() override;
  Result<int64_t> ServerTimeMs() override;

 private:
  // The digests and plugin records of every entry (from the values), or with `scope` (sorted) of
  // those plugins' entries only (HSCAN MATCH "<name>:*").
  Status ReadDigests(const std::vector<std::string>* scope, DigestTable& out);
  // ValueHash of every member of the sorted set, sorted (ZSCAN).
  Status ReadMembers(std::vector<uint64_t>& out);
  Result<int64_t> BumpWrites();
  // Bumps the writes counter (its new value in `before`); true when table_ still holds what Redis
  // does (no other rebuild since ours). table_ is untrusted from then until this rebuild succeeds.
  Result<bool> StartRebuild(int64_t& before);
  // Diffs `source` against `table` (with `scope`: only those plugins' entries) and writes the diff.
  Result<RebuildStats> Apply(const EntrySource& source, const std::vector<std::string>* scope,
                             DigestTable& table, int64_t before);
  Status Flush(redis::EncodedCommands& commands, std::deque<size_t>& in_flight);
  Status Collect(std::deque<size_t>& in_flight);

  redis::Client& client_;
  const RedisScheduleOptions options_;
  std::string leader_key_;
  std::string schedule_key_;
  std::string entries_key_;
  std::string plugins_key_;
  std::string legacy_digests_key_;  // no longer written (see Rebuild)
  std::string tasks_key_;
  std::string writes_key_;
  DigestTable table_;          // the digests as this store last wrote them
  int64_t table_writes_ = -1;  // the writes counter after that rebuild; -1: table_ not trusted
  uint64_t round_trips_ = 0;   // of the current rebuild's flushes
};

}  // namespace panoptes::scheduler
