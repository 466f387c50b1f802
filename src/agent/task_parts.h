#pragma once
// Builders of a task's step parts (task_queue.h) from the task and its plugin, shared by the
// worker and the ceiling benchmark. Pure functions; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "agent/task_queue.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"

namespace panoptes::agent {

// A task's time limit in seconds: its own when set, else its plugin's.
double TimeLimit(const Task& task, const PluginInfo& info);
// The (resource id, namespace) of each [enrichment] preload of `info` for `task`, in order.
std::vector<std::pair<std::string, std::string>> PreloadIds(const PluginInfo& info, const Task& task);
// The guard part of `task` (its text `raw`) for plugin `info`, as a worker sends it: lock and meta
// keys, a lock lifetime of `lock_ttl_ms`, the plugin's frequency, cache age and code mtime, the
// task's expiry, and the enrichment keys of its preloads.
GuardPart MakeGuardPart(const std::string& prefix, const PluginInfo& info, const Task& task, std::string raw,
                        std::string token, int skew, int64_t lock_ttl_ms);
// The quarantine and freshness part of `task` (task_queue.h, HealthPart) under the [agent] policy:
// `quarantine_after` failures in a row, at most `backoff_max_s`, stale after `stale_after_cycles`
// frequencies without an ok result.
HealthPart MakeHealthPart(const std::string& prefix, const PluginInfo& info, const Task& task,
                          int quarantine_after, int backoff_max_s, int stale_after_cycles);
// The lock lifetime L of a run with time limit T (docs/agent.md, "Stalls"): T + 3 s + T / 500.
int64_t LockTtlMs(const Task& task, const PluginInfo& info);
// What a worker keeps between its own hard deadline and the end of a lock of lifetime L:
// 1 s + L / 1000 (the Redis host's and the agent host's clocks may run apart by 0.1 %).
int64_t LockSafetyMs(int64_t lock_ttl_ms);

}  // namespace panoptes::agent
