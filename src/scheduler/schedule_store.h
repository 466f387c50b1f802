#pragma once
// The schedule of one kind (docs/scheduler.md, "Redis layout"), as kept in Redis:
//   P:schedule:<kind>          sorted set: entry id -> next due time (epoch ms, Redis server clock)
//   P:schedule:<kind>:entries  hash: entry id -> Entry::value (frequency, expiry, task prefix)
//   P:schedule:<kind>:writes   counter bumped before and after each rebuild (redis_schedule_store.h)
// Because the due times live in Redis, a standby that becomes leader continues the cadence exactly
// where the previous leader stopped.
//
// Dispatch is one Lua script (server time, atomic): only while P:leader:<kind> holds the caller's
// token, it pops up to `batch` due entries, LPUSHes their tasks onto P:tasks:<kind> and advances
// each due time by the entry's frequency, skipping missed periods (an entry fires at most once per
// call, for the latest period that is due, so it never fires twice for one period).
// Rebuild diffs the desired entries against the digests of the stored ones (value hash and
// frequency; DigestTable::Diff, shared by the implementations): new entries get (time of writing) + 250 ms +
// Splay, changed ones get their new value (and a new splayed due time only when the frequency changed), gone
// ones are removed, unchanged ones keep their due time. It is pipelined in batches (a few round trips for
// 100k entries).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/status.h"
#include "scheduler/digest_table.h"
#include "scheduler/dispatch_pressure.h"
#include "scheduler/entry.h"

namespace panoptes::scheduler {

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

// The schedule of one kind. Implementations: RedisScheduleStore (redis_schedule_store.h) and
// MemoryScheduleStore (memory_schedule.h, for unit tests); one contract suite
// (tests/contract/schedule_contract.*) runs against both. An instance is used by one thread.
class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;

  // Calls its argument once per desired entry (e.g. with scheduler::ForEachEntry).
  using EntrySource = DigestTable::EntrySource;

  // Makes the schedule equal to the entries `source` produces (a repeated id counts once). Errors:
  // the store unreachable; a failed rebuild may have applied part of the diff (the next one
  // completes it).
  virtual Result<RebuildStats> Rebuild(const EntrySource& source) = 0;
  Result<RebuildStats> Rebuild(const std::vector<Entry>& desired);
  // The same for the entries of the plugins named in `scope` (normalized names) only: entries of
  // other plugins are neither read nor removed. `source` must
  // produce entries of those plugins only. (rebuild_plan.h says when.)
  virtual Result<RebuildStats> Rebuild(const EntrySource& source, const std::vector<std::string>& scope) = 0;

  // Pushes the due tasks (see above) while `leader_token` holds the leader key. REQUIRES: batch >= 1.
  virtual Result<DispatchResult> Dispatch(const std::string& leader_token, int batch) = 0;

  // Every entry with its next due time, sorted by due time (panoptes-ctl schedule, tests).
  virtual Result<std::vector<ListedEntry>> List() = 0;
  // Number of scheduled entries.
  virtual Result<int64_t> Count() = 0;
  // The store's clock (the Redis server's TIME), epoch ms.
  virtual Result<int64_t> ServerTimeMs() = 0;

  // When set, a rebuild gives way to the dispatch before each batch of writes
  // (dispatch_pressure.h); nullptr (the default): it does not. `pressure` must outlive the
  // rebuilds that use it.
  void set_dispatch_pressure(DispatchPressure* pressure) { pressure_ = pressure; }

 protected:
  DispatchPressure* pressure_ = nullptr;
};

// A task message as the dispatch pushes it: the entry's task prefix completed with its id
// ("<entry id>:<slot>"), scheduled_for (the slot) and expires_at (slot + expires_ms).
std::string DispatchedTask(std::string_view task_prefix, const std::string& entry_id, int64_t slot_ms,
                           int64_t expires_ms);

// The entry value's parts ("<frequency_ms>|<expires_ms>|<task prefix>"); false when malformed.
bool SplitEntryValue(std::string_view value, int64_t& frequency_ms, int64_t& expires_ms,
                     std::string_view& task_prefix);

}  // namespace panoptes::scheduler
