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

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/status.h"
#include "redis/client.h"

namespace panoptes::resources {

class ResourceStore {
 public:
  // `key_prefix` is P of SPEC §5 ([redis] key_prefix). `client` must outlive the store.
  ResourceStore(redis::Client& client, std::string key_prefix);

  // In one round trip (a Lua script, server time): stores each of `resources` to expire `ttl_s`
  // seconds from now; removes the resources this plugin stored last time that are not in
  // `resources` (the vanish rule: a discovery run is the plugin's complete current view; an empty
  // list removes everything it found before); purges expired resources; increments Version().
  // REQUIRES: ttl_s > 0 (kInvalidArgument otherwise).
  Status PutDiscovered(const std::string& plugin_normalized_name, const std::vector<Resource>& resources,
                       int ttl_s);

  // Every live (not expired, not vanished) resource, read in batches (HSCAN), in no set order.
  // An entry that does not parse is skipped (and counted in skipped_entries()).
  Result<std::vector<Resource>> List();

  // The live resource with this resource_id (the most recently stored one if several share it),
  // nullopt if none.
  Result<std::optional<Resource>> Get(const std::string& resource_id);

  // A counter bumped by every PutDiscovered: readers re-List when it changed. 0 before any put.
  Result<int64_t> Version();

  // Entries skipped by List() because they did not parse (corruption or a foreign writer).
  uint64_t skipped_entries() const { return skipped_entries_; }

 private:
  redis::Client& client_;
  std::string prefix_;
  uint64_t skipped_entries_ = 0;
};

}  // namespace panoptes::resources
