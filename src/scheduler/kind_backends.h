#pragma once
// What the scheduler of one kind talks to (kind_scheduler.h), behind interfaces so that tests can
// give it in-memory twins or stores that fail: for the dispatch thread a leader lock and a schedule
// store, for the maintenance thread another schedule store and the resource store's reads. Each
// thread uses only its own members. RedisKindBackends builds them over two Redis connections, one
// per thread, as the daemon runs them.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "panoptes/model.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"
#include "scheduler/leader.h"
#include "scheduler/resource_table.h"
#include "scheduler/schedule_store.h"

namespace panoptes::scheduler {

struct KindBackends {
  // What the members below use (the Redis connections); declared first, so released last.
  std::shared_ptr<void> owner;
  // Dispatch thread.
  std::unique_ptr<LeaderLock> leader;
  std::unique_ptr<ScheduleStore> dispatch_store;
  // Maintenance thread: rebuilds, and the resource store's version counter and contents.
  std::unique_ptr<ScheduleStore> store;
  std::function<Result<int64_t>()> resources_version;
  // Every live resource of the store, in the compact form the scheduler keeps.
  std::function<Result<ResourceTable>()> list_resources;
};

// The daemon's backends for `kind`: connections named scheduler-<kind>-dispatch and
// scheduler-<kind>-maintenance, the leader lock with `token` and [scheduler] leader_ttl_ms.
KindBackends RedisKindBackends(const SiteConfig& site, PluginKind kind, std::string token);

}  // namespace panoptes::scheduler
