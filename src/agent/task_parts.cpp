#include "agent/task_parts.h"

#include <algorithm>

#include "redis/keys.h"

namespace panoptes::agent {

double TimeLimit(const Task& task, const PluginInfo& info) {
  return task.time_limit > 0 ? task.time_limit : info.time_limit;
}

int64_t LockTtlMs(const Task& task, const PluginInfo& info) {
  auto limit_ms = static_cast<int64_t>(TimeLimit(task, info) * 1000);
  return limit_ms + 3000 + limit_ms / 500;
}

int64_t LockSafetyMs(int64_t lock_ttl_ms) {
  return 1000 + lock_ttl_ms / 1000;
}

std::vector<std::pair<std::string, std::string>> PreloadIds(const PluginInfo& info, const Task& task) {
  std::vector<std::pair<std::string, std::string>> ids;
  for (const PreloadSpec& spec : info.preload) {
    ids.emplace_back(spec.self ? (task.resource ? task.resource->id : "") : spec.resource_id,
                     spec.namespace_);
  }
  return ids;
}

GuardPart MakeGuardPart(const std::string& prefix, const PluginInfo& info, const Task& task, std::string raw,
                        std::string token, int skew, int64_t lock_ttl_ms) {
  GuardPart g;
  g.raw = std::move(raw);
  g.lock = redis::keys::Lock(prefix, info.kind, info.normalized_name, task.signature);
  g.meta = redis::keys::Meta(prefix, info.kind, info.normalized_name, task.signature);
  g.token = std::move(token);
  g.lock_ttl_ms = lock_ttl_ms;
  g.execute_frequency = info.execute_frequency;
  g.skew = skew;
  g.results_cache_age = info.results_cache_age;
  g.code_mtime = static_cast<double>(std::max(info.file_mtime_ns, info.module_mtime_ns)) / 1e9;
  g.expires_at = task.expires_at > 0 ? task.expires_at : 1e18;
  g.task_id = task.id;
  g.scheduled_for = task.scheduled_for;
  g.plugin = info.name;
  g.resource_id = task.resource ? task.resource->id : "";
  for (const auto& [rid, ns] : PreloadIds(info, task)) {
    g.preload_keys.push_back(redis::keys::Enrichment(prefix, rid, ns));
  }
  return g;
}

HealthPart MakeHealthPart(const std::string& prefix, const PluginInfo& info, const Task& task,
                          int quarantine_after, int backoff_max_s, int stale_after_cycles) {
  HealthPart h;
  h.entry = info.normalized_name + ":" + task.signature;
  h.plugin_quarantine = redis::keys::PluginQuarantine(prefix, info.kind, info.normalized_name);
  h.quarantine_after = quarantine_after;
  h.backoff_max_s = backoff_max_s;
  h.frequency = info.execute_frequency;
  h.stale_after_s = stale_after_cycles * info.execute_frequency;
  return h;
}

}  // namespace panoptes::agent
