#pragma once
// Schedule entries: what the scheduler keeps in Redis for each (plugin) or (plugin, resource).
//
// An entry is identified by "<normalized_name>:<signature>" (docs/plugin-files.md identity), so the same
// plugin and resource always map to the same entry across rescans and scheduler hosts. What its task
// carries is kept in two parts (docs/redis.md, "Scheduler"):
//   - the entry's value: its resource's JSON (the task's "resource"), or "null" for a discovery plugin;
//   - its plugin's record, once per plugin: "<frequency_ms>|<expires_ms>|<head length>|<head><tail>",
//     where head is the task message up to the signature's opening quote ({"v":1,"kind":...,
//     "plugin":...,"signature":") and tail what follows the resource (,"time_limit":<s>,).
// The dispatch script composes the task from them: head, the signature (the id after its ':'),
// '","resource":', the value, tail, then "id", "scheduled_for", "expires_at" and the closing brace.
// So a change of a plugin's settings (its time limit, its name's JSON) rewrites one record, not
// every entry; an entry's value changes only with its resource.
// Schedules written by earlier builds held "<frequency_ms>|<expires_ms>|<task prefix>" in the
// entry's value (a "legacy" value: it starts with a digit, a new one with '{' or 'n'); the dispatch
// still reads them, and the first rebuild rewrites them.
// A new entry's first due time is now + Splay(id): a deterministic spread within
// min(execute_frequency, 60) s so that a fleet added at once does not fire at once.
// Pure functions and value types; thread-safe.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "panoptes/status.h"
#include "resources/filter.h"
#include "scheduler/resource_table.h"

namespace panoptes::scheduler {

struct Entry {
  std::string id;            // "<normalized_name>:<signature>"
  int64_t frequency_ms = 0;  // execute_frequency
  int64_t expires_ms = 0;    // [main] expires: expires_at = scheduled_for + this
  std::string value;         // the resource's JSON, or "null": the entries hash value
  std::string plugin;        // its plugin's record (PluginRecord): the plugins hash value

  // The task message the dispatch pushes, without "id", "scheduled_for", "expires_at" and the
  // closing brace (ComposeTaskPrefix).
  std::string task_prefix() const;
  // ValueHash(value); with the frequency it is the entry's digest (EntryDigest).
  uint64_t Hash() const;
};

// A 64-bit hash of an entry value (8 bytes a step; the same on every little-endian host and
// build). A rebuild compares digests to find the entries that changed. (A hash change after an
// upgrade rewrites every value once; cadences are kept.)
uint64_t ValueHash(std::string_view value);

// What a rebuild compares: the value's hash, and its frequency (a new one resets the cadence).
struct EntryDigest {
  uint64_t hash = 0;
  int64_t frequency_ms = -1;  // -1: unknown (a malformed value, or a plugin without a record)
};
// The digest of a stored entry value: of a legacy value ("<frequency_ms>|<expires_ms>|<task
// prefix>") with the frequency it holds; of a value of this layout with `record_frequency_ms`,
// the frequency of its plugin's record (-1 when it has none).
EntryDigest DigestOfValue(std::string_view value, int64_t record_frequency_ms = -1);
// True for a value written by earlier builds (see above).
bool IsLegacyValue(std::string_view value);

// A plugin record's parts; false when malformed.
bool SplitPluginRecord(std::string_view record, int64_t& frequency_ms, int64_t& expires_ms,
                       std::string_view& head, std::string_view& tail);
// The task prefix of entry `id` with `value`, from its plugin's record (as the dispatch script
// composes it); false when the record is malformed or the id has no ':'.
bool ComposeTaskPrefix(std::string_view record, std::string_view id, std::string_view value,
                       std::string& out);

// Hex helpers of the signature form: 16 lowercase hex digits.
bool ParseHex64(std::string_view hex, uint64_t& out);
void AppendHex64(std::string& out, uint64_t value);

// Deterministic offset of an entry's first run: [0, min(frequency_ms, 60000)), from ValueHash(id).
int64_t SplayMs(std::string_view entry_id, int64_t frequency_ms);

// The entry of `plugin` for `resource` (nullptr for discovery plugins).
Entry MakeEntry(const PluginInfo& plugin, const Resource* resource);

// A plugin ready to be scheduled: its file and code loaded, its filter compiled (polling and
// enrichment; empty Filter for discovery).
struct SchedulablePlugin {
  PluginInfo info;
  resources::Filter filter;
};

// Compiles the plugin's resource_filter (polling/enrichment). On a syntax error the message names
// the plugin file and the column, e.g. "/p/a.panoptes-plugin: [main] resource_filter: column 3: ...".
Result<SchedulablePlugin> MakeSchedulable(PluginInfo info);

// Builds the entries of one plugin: its record (frequency, expiry, kind, name, time limit) is
// encoded once, and each entry is built into the caller's Entry, reusing its buffers. Gives what
// MakeEntry gives, byte for byte.
class EntryMaker {
 public:
  using Signature = std::array<uint8_t, 16>;  // the MD5 of the entry's signature (hex in the id)

  explicit EntryMaker(const PluginInfo& plugin);
  // The entry of the plugin for row `row` of `resources`; `signature` receives its MD5.
  void Make(const ResourceTable& resources, size_t row, Entry& entry, Signature* signature = nullptr);
  // The same with the signature known (from a SignatureCache).
  void Make(const ResourceTable& resources, size_t row, const Signature& signature, Entry& entry) const;
  // The entry of a discovery plugin (no resource).
  void MakeDiscovery(Entry& entry) const;
  const std::string& record() const { return record_; }

 private:
  void Finish(std::string_view signature, const ResourceTable* resources, size_t row, Entry& entry) const;

  const PluginInfo& plugin_;
  int64_t frequency_ms_ = 0;
  int64_t expires_ms_ = 0;
  std::string record_;  // the plugin's record (entry.h)
  std::string key_;     // scratch: normalized name + resource key (the signature's input)
};

// The signatures of each plugin's entries over one set of resources, kept between rebuilds: a
// rebuild over the same resources (one plugin's file changed, a rescan) then need not hash every
// resource key again (an MD5 per entry, the largest part of building one). Per plugin (by its
// normalized name and resource filter) the signatures of its matching rows, in row order: 16
// bytes an entry. Bind it to the resources it is used with; it forgets everything when they
// change. Not thread-safe.
class SignatureCache {
 public:
  // `generation` names the resources (a number that changes whenever they do).
  void Bind(uint64_t generation);
  void Clear() { plugins_.clear(); }
  // Forgets the plugins that are not in `plugins` (removed ones: ForEachEntry calls it).
  void Retain(const std::vector<SchedulablePlugin>& plugins);
  size_t entries() const;
  size_t plugins() const { return plugins_.size(); }

 private:
  friend class CachedSignatures;
  struct Plugin {
    std::string filter;
    std::vector<EntryMaker::Signature> signatures;
  };
  std::optional<uint64_t> generation_;
  std::map<std::string, Plugin, std::less<>> plugins_;
};

// Desired entries: one per discovery plugin, one per (polling/enrichment plugin, resource matching
// its filter). ForEachEntry streams them to `sink` one at a time (so 100k entries never sit in
// memory together; the Entry passed is reused for the next one); an id may come twice when two
// resources share a key. BuildEntries collects them, sorted by id, each id once.
// With `cache` (bound to `resources`), signatures come from it and go into it.
void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const ResourceTable& resources,
                  const std::function<void(Entry&&)>& sink, SignatureCache* cache = nullptr);
// The same for the plugins whose normalized names are in `only` (sorted).
void ForEachEntry(const std::vector<SchedulablePlugin>& plugins, const ResourceTable& resources,
                  const std::function<void(Entry&&)>& sink, const std::vector<std::string>& only,
                  SignatureCache* cache = nullptr);
std::vector<Entry> BuildEntries(const std::vector<SchedulablePlugin>& plugins,
                                const ResourceTable& resources);

}  // namespace panoptes::scheduler
