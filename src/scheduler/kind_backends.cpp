#include "scheduler/kind_backends.h"

#include "redis/client.h"
#include "resources/store.h"
#include "scheduler/redis_schedule_store.h"

namespace panoptes::scheduler {
namespace {

struct RedisConnections {
  RedisConnections(const SiteConfig& site, const std::string& kind)
      : dispatch(site.redis, "scheduler-" + kind + "-dispatch"),
        maintenance(site.redis, "scheduler-" + kind + "-maintenance"),
        resources(maintenance, site.redis.key_prefix) {}
  redis::Client dispatch;
  redis::Client maintenance;
  resources::ResourceStore resources;
};

}  // namespace

KindBackends RedisKindBackends(const SiteConfig& site, PluginKind kind, std::string token) {
  auto c = std::make_shared<RedisConnections>(site, std::string(KindName(kind)));
  const std::string& prefix = site.redis.key_prefix;
  KindBackends b;
  b.leader = std::make_unique<RedisLeaderLock>(c->dispatch, prefix, kind, site.scheduler.leader_ttl_ms,
                                               std::move(token));
  b.dispatch_store = std::make_unique<RedisScheduleStore>(c->dispatch, prefix, kind);
  b.store = std::make_unique<RedisScheduleStore>(c->maintenance, prefix, kind);
  resources::ResourceStore* store = &c->resources;
  b.resources_version = [store] { return store->Version(); };
  b.list_resources = [store]() -> Result<ResourceTable> {
    ResourceTable table;
    Status added;
    Status st = store->ForEach([&](Resource&& r) {
      if (added.ok()) added = table.Add(r);
    });
    if (!st.ok()) return st;
    if (!added.ok()) return added;
    table.ShrinkToFit();
    return table;
  };
  b.owner = std::move(c);
  return b;
}

}  // namespace panoptes::scheduler
