#pragma once
// Which entries a rebuild must cover. Entries are a pure function of the plugins and the resources,
// so when the resources are the same as at the last rebuild that succeeded, only the plugins whose
// schedule inputs changed (or that appeared or went) need their entries rebuilt: an edit of one
// plugin file rebuilds that plugin's entries, not the whole schedule, and a rescan that changed
// nothing writes nothing. Anything else (new resources, a failed rebuild, leadership regained: the
// schedule in Redis may then differ from what this process wrote) plans a full rebuild.
// A value type, not thread-safe: the maintenance thread owns it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scheduler/entry.h"

namespace panoptes::scheduler {

struct RebuildPlan {
  bool full = true;
  std::vector<std::string> scope;  // !full: normalized names of the plugins to rebuild, sorted
  bool nothing() const { return !full && scope.empty(); }
};

// What a plugin contributes to every one of its entries: the value of its entry for no resource
// (name, kind, frequency, expiry, time limit) and its resource filter.
std::string PluginFingerprint(const PluginInfo& info);

class RebuildPlanner {
 public:
  // The plan for `plugins` over the resources of `resources_generation` (a number that changes
  // whenever the resources do).
  RebuildPlan Plan(const std::vector<SchedulablePlugin>& plugins, uint64_t resources_generation) const;
  // Records a rebuild that succeeded.
  void Applied(const std::vector<SchedulablePlugin>& plugins, uint64_t resources_generation);
  // The next plan is a full rebuild.
  void Reset();

 private:
  std::optional<uint64_t> generation_;
  std::map<std::string, std::string> fingerprints_;  // normalized name -> PluginFingerprint
};

}  // namespace panoptes::scheduler
