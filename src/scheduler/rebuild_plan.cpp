#include "scheduler/rebuild_plan.h"

#include <algorithm>

namespace panoptes::scheduler {

std::string PluginFingerprint(const PluginInfo& info) {
  return MakeEntry(info, nullptr).plugin + '\x1f' + info.resource_filter;
}

RebuildPlan RebuildPlanner::Plan(const std::vector<SchedulablePlugin>& plugins,
                                 uint64_t resources_generation) const {
  RebuildPlan plan;
  if (generation_ != resources_generation) return plan;
  plan.full = false;
  std::map<std::string, bool> present;  // normalized name -> listed in fingerprints_
  for (const SchedulablePlugin& p : plugins) {
    const std::string& name = p.info.normalized_name;
    auto it = fingerprints_.find(name);
    if (present.count(name) > 0 || it == fingerprints_.end() || it->second != PluginFingerprint(p.info)) {
      plan.scope.push_back(name);
    }
    present[name] = true;
  }
  for (const auto& [name, print] : fingerprints_) {
    if (present.count(name) == 0) plan.scope.push_back(name);  // gone: its entries are removed
  }
  std::sort(plan.scope.begin(), plan.scope.end());
  plan.scope.erase(std::unique(plan.scope.begin(), plan.scope.end()), plan.scope.end());
  return plan;
}

void RebuildPlanner::Applied(const std::vector<SchedulablePlugin>& plugins, uint64_t resources_generation) {
  fingerprints_.clear();
  for (const SchedulablePlugin& p : plugins)
    fingerprints_[p.info.normalized_name] = PluginFingerprint(p.info);
  generation_ = resources_generation;
}

void RebuildPlanner::Reset() {
  generation_.reset();
  fingerprints_.clear();
}

}  // namespace panoptes::scheduler
