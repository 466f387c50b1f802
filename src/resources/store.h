#pragma once
// The resource store (docs/redis.md, "Resource store"): resources found by discovery plugins, kept
// in Redis with the TTL of the plugin that found them, read by the scheduler (one schedule entry
// per resource and plugin), the agent (resource of a task, enrichment preload) and
// `panoptes-ctl resources`.
//
// A resource is identified by its key (Resource::Key(): plugin, site, class, subclass, type, id,
// endpoint). Ids may collide across sites or plugins: Get(id) returns the live resource with that
// id that was stored most recently; List() returns them all.
// Not thread-safe (it uses one redis::Client, which is not): one ResourceStore per thread/process.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::resources {

// PanoptesResource's default resource_ttl (the original's), which every resource carries in its
// `_resource_ttl` metadata unless the plugin chose another.
inline constexpr int64_t kConstructorResourceTtl = 604800;
inline constexpr int64_t kMaxResourceTtl = 31536000;  // one year, as a plugin file's resource_ttl

// The lifetime of a discovered resource: its own `_resource_ttl` metadata (as the original's
// resource manager uses it), unless that is absent, not an integer in 1..kMaxResourceTtl, or the
// constructor's default (the plugin did not choose one): then `default_ttl_s`, the plugin file's
// resource_ttl.
int ResourceTtl(const Resource& resource, int default_ttl_s);

class ResourceStore {
 public:
  // `key_prefix` is P of docs/redis.md ([redis] key_prefix). `client` must outlive the store.
  ResourceStore(redis::Client& client, std::string key_prefix);

  // Stores each of `resources` to expire `ttl_s` seconds from now (Redis server time); then removes
  // the resources this plugin stored before that are not in `resources` (the vanish rule: a
  // discovery run is the plugin's complete current view; an empty list removes everything it found
  // before); purges expired resources; increments Version().
  // Chunked (docs/redis.md, "Resource store"): one Lua script call per chunk_size() resources, new
  // ones written before any vanished one is removed, so readers see the old view, then old and new
  // mixed, then the new view (at any moment all of the old view or all of the new one is stored).
  // One round trip when the resources written and those vanishing number fewer than chunk_size()
  // together. A failure part way returns the error and leaves old and new mixed; the plugin's next
  // successful put removes the rest. Two puts of the same plugin racing: the one that started later
  // wins (the earlier one's own resources may linger until the next put if it was still writing
  // when the later one finished).
  // REQUIRES: ttl_s > 0 (kInvalidArgument otherwise).
  // Each resource lives ResourceTtl(resource, ttl_s) seconds.
  Status PutDiscovered(const std::string& plugin_normalized_name, const std::vector<Resource>& resources,
                       int ttl_s);

  // Resources written plus vanished ones removed per Redis call of PutDiscovered (the last call
  // also purges up to this many expired ones). Default kDefaultChunkSize; 0 is taken as 1.
  static constexpr size_t kDefaultChunkSize = 1000;
  void set_chunk_size(size_t chunk_size) { chunk_size_ = chunk_size == 0 ? 1 : chunk_size; }
  size_t chunk_size() const { return chunk_size_; }

  // Every live (not expired, not vanished) resource, read in batches (HSCAN), in no set order.
  // An entry that does not parse is skipped (and counted in skipped_entries()).
  Result<std::vector<Resource>> List();
  // The same, one resource at a time (a reader that keeps them in another form never holds them
  // all as Resource values).
  Status ForEach(const std::function<void(Resource&&)>& visit);

  // The live resource with this resource_id (the most recently stored one if several share it),
  // nullopt if none.
  Result<std::optional<Resource>> Get(const std::string& resource_id);

  // A counter bumped by every PutDiscovered (once when it fits one call, else when it starts and
  // when it completes): readers re-List when it changed. 0 before any put.
  Result<int64_t> Version();

  // Entries skipped by List() because they did not parse (corruption or a foreign writer).
  uint64_t skipped_entries() const { return skipped_entries_; }

 private:
  struct PutStep;
  // One call of the put script with resources[begin, end) (none: a call that only removes).
  Result<PutStep> PutCall(const redis::Args& keys, const std::string& run, int ttl_s,
                          const std::vector<Resource>& resources, size_t begin, size_t end, bool last);

  redis::Client& client_;
  std::string prefix_;
  size_t chunk_size_ = kDefaultChunkSize;
  uint64_t skipped_entries_ = 0;
};

}  // namespace panoptes::resources
