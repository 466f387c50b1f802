#pragma once
// What the schedule of one kind holds, entry by entry, as far as a rebuild's diff needs it: each
// entry's digest (value hash and frequency, EntryDigest), and the diff itself (docs/scheduler.md,
// "Rebuild"). Ids of the form "<normalized_name>:<32 hex signature>" (every
// id MakeEntry builds) are kept per plugin under their 128-bit signature in a flat hash table
// (32-byte slots, at most 80% full: 40-80 bytes an entry, no allocation per entry); any other id
// (from tests, or a store written by hand) is kept as a string.
// RedisScheduleStore keeps one table across rebuilds so that a rebuild need not read the schedule
// back from Redis. A value type; not thread-safe.

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scheduler/entry.h"

namespace panoptes::scheduler {

// Added to a new cadence's first due time (time of writing + this + Splay): covers the wait until
// the write reaches the store, so that no entry is born late.
constexpr int64_t kNewEntryMarginMs = 250;

struct RebuildStats {
  size_t plugins_written = 0;  // plugin records written (new or changed)
  size_t added = 0;
  size_t updated = 0;      // value changed, due time kept
  size_t rescheduled = 0;  // frequency changed: new splayed due time
  size_t removed = 0;
  size_t unchanged = 0;
  uint64_t round_trips = 0;
};

class DigestTable {
 public:
  // Called once per desired entry.
  using EntrySource = std::function<void(const std::function<void(Entry&&)>&)>;
  // A new or changed entry, with its SplayMs when its cadence starts anew (its first due time is
  // then the time of writing + kNewEntryMarginMs + the splay), and whether its value changed (a
  // changed frequency alone changes the due time only).
  using SetFn = std::function<void(const Entry&, std::optional<int64_t> splay_ms, bool value_changed)>;
  using RemoveFn = std::function<void(const std::string& id)>;
  // A plugin record (entry.h) to write, or to remove (its plugin has no entries left).
  using SetPluginFn = std::function<void(const std::string& name, const std::string& record)>;
  using RemovePluginFn = std::function<void(const std::string& name)>;

  // Records (or replaces) the digest of entry `id`.
  void Put(std::string_view id, EntryDigest digest);
  // Records (or replaces) the record of plugin `name` (its normalized name).
  void PutPlugin(std::string_view name, std::string record);
  void Clear();
  size_t size() const { return size_; }
  size_t plugin_records() const { return records_.size(); }

  // Diffs what `source` produces against the table: calls `set` for each new or changed entry
  // (a new cadence for a new entry or a changed frequency) and `remove` for each entry of the
  // table that `source` did not produce; with `scope` (sorted), only entries of the plugins it
  // names (normalized names, the part of the id before the first ':') can be removed. The same
  // for the plugin records: `set_plugin` (before the first `set` of that plugin's entries) for a
  // record that is new or changed, `remove_plugin` (after every `remove`) for one whose plugin
  // produced no entry (within `scope`). The table then holds the new state. A repeated id counts
  // once; an entry without a record (Entry::plugin empty) leaves the records alone.
  RebuildStats Diff(const EntrySource& source, const std::vector<std::string>* scope, const SetFn& set,
                    const RemoveFn& remove, const SetPluginFn& set_plugin = {},
                    const RemovePluginFn& remove_plugin = {});

 private:
  static constexpr int32_t kFree = INT32_MIN;
  // One stored entry's digest, by its signature: 32 bytes. The frequency is packed
  // (PackFrequency); kFree marks a free slot.
  struct Slot {
    uint64_t hi = 0, lo = 0;  // the signature
    uint64_t hash = 0;
    int32_t frequency = kFree;
    uint32_t mark = 0;  // the Diff that produced it last
  };
  // The entries of one plugin: open addressing, linear probing, at most 80% full.
  class PluginSlots {
   public:
    // The slot of the signature (created, with mark 0 and no digest, when missing).
    Slot& Locate(uint64_t hi, uint64_t lo, bool& created);
    // Calls `gone(slot)` for each slot not of mark `mark` and drops them. Returns how many went.
    template <typename F>
    size_t RemoveUnmarked(uint32_t mark, F&& gone);
    size_t size() const { return size_; }

   private:
    size_t Home(uint64_t hi, uint64_t lo) const;
    void Grow(size_t capacity);
    std::vector<Slot> slots_;
    size_t size_ = 0;
    int shift_ = 64;  // 64 - log2(capacity)
  };
  // The slot of `id` (created with mark 0 and no digest when missing).
  Slot& Locate(std::string_view id, bool& created);
  void RemoveUnmarked(const std::vector<std::string>* scope, RebuildStats& stats, const RemoveFn& remove);

  std::unordered_map<std::string, PluginSlots> plugins_;  // normalized name -> its entries
  std::unordered_map<std::string, Slot> others_;          // ids of another form (hi, lo unused)
  std::string last_name_;                                 // Locate's cache: entries come by plugin
  PluginSlots* last_ = nullptr;
  uint32_t mark_ = 0;
  size_t size_ = 0;
  struct Record {
    std::string record;
    uint32_t mark = 0;  // the Diff that produced an entry of the plugin last
  };
  std::unordered_map<std::string, Record> records_;  // normalized name -> its plugin record
};

// The frequency as a digest slot keeps it: positive seconds when a whole number of them (every
// entry the scheduler builds), else minus the milliseconds; 0 when unknown (not positive, or too
// large for that form). Exposed for tests.
int32_t PackFrequency(int64_t frequency_ms);

}  // namespace panoptes::scheduler
