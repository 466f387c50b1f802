#pragma once
// The schedule of one kind in Redis (docs/scheduler.md, "Redis layout"):
//   P:schedule:<kind>          sorted set: entry id -> next due time (epoch ms, Redis server clock)
//   P:schedule:<kind>:entries  hash: entry id -> Entry::value (frequency, expiry, task prefix)
//   P:schedule:<kind>:digests  hash: entry id -> Entry::Digest()
// Because the due times live in Redis, a standby that becomes leader continues the cadence exactly
// where the previous leader stopped.
//
// Dispatch is one Lua script (server time, atomic): only while P:leader:<kind> holds the caller's
// token, it pops up to `batch` due entries, LPUSHes their tasks onto P:tasks:<kind> and advances
// each due time by the entry's frequency, skipping missed periods (an entry fires at most once per
// call, for the latest period that is due, so it never fires twice for one period).
// Rebuild diffs the desired entries against the digests: new entries get (time of writing) + 250 ms + Splay,
// changed ones get their new value (and a new splayed due time only when the frequency changed), gone ones
// are removed, unchanged ones keep their due time. It is pipelined in batches (a few round trips
// for 100k entries).
// Not thread-safe (one redis::Client): one ScheduleStore per thread.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "redis/client.h"
#include "scheduler/entry.h"

namespace panoptes::scheduler {

struct RebuildStats {
  size_t added = 0;
  size_t updated = 0;      // value changed, due time kept
  size_t rescheduled = 0;  // frequency changed: new splayed due time
  size_t removed = 0;
  size_t unchanged = 0;
  uint64_t round_trips = 0;
};

struct DispatchResult {
  bool leader = false;               // false: the token no longer holds the leader key; nothing was done
  int64_t dispatched = 0;            // tasks pushed
  int64_t now_ms = 0;                // Redis server time of the call
  int64_t next_due_ms = -1;          // earliest due time left in the schedule, -1 when it is empty
  std::vector<int64_t> lateness_ms;  // per pushed task: push time minus its due time
};

struct ListedEntry {
  std::string id;
  int64_t next_due_ms = 0;
  int64_t frequency_ms = 0;
  std::string task_prefix;
};

class ScheduleStore {
 public:
  // `client` must outlive the store. `key_prefix` is P ([redis] key_prefix).
  ScheduleStore(redis::Client& client, const std::string& key_prefix, PluginKind kind);

  // Calls its argument once per desired entry (e.g. with scheduler::ForEachEntry).
  using EntrySource = std::function<void(const std::function<void(Entry&&)>&)>;

  // Makes the schedule equal to the entries `source` produces (a repeated id counts once). Changes
  // are written in pipelined batches as they are found, so memory stays bounded. Errors: Redis
  // unreachable or an error reply; a failed rebuild may have applied part of the diff (the next
  // one completes it).
  Result<RebuildStats> Rebuild(const EntrySource& source);
  Result<RebuildStats> Rebuild(const std::vector<Entry>& desired);

  // Pushes the due tasks (see above). REQUIRES: batch >= 1.
  Result<DispatchResult> Dispatch(const std::string& leader_token, int batch);

  // Every entry with its next due time, sorted by due time (panoptes-ctl schedule, tests).
  Result<std::vector<ListedEntry>> List();
  // Number of entries in the sorted set.
  Result<int64_t> Count();
  // Redis server time, epoch ms.
  Result<int64_t> ServerTimeMs();

 private:
  Result<std::vector<std::pair<std::string, std::string>>> ReadDigests();
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
