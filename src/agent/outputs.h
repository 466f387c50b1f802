#pragma once
// What a finished run writes, by kind (docs/redis.md, docs/plugin-api.md): polling metrics groups as entries
// of P:metrics:<site> (field `data`), enrichment groups as P:enrichment:<resource_id>:<namespace> with their
// TTL. Discovery results go to the resource store instead (resources::ResourceStore), so they produce no
// OutputWrite here. Pure functions; thread-safe.

#include <string>
#include <vector>

#include "agent/task_queue.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "python/host.h"

namespace panoptes::agent {

// The writes of a run's result. `default_site` names the stream of a metrics group whose resource
// has no site (the task's resource site, else the first [main] site).
std::vector<OutputWrite> BuildOutputs(const std::string& prefix, const PluginInfo& info,
                                      const python::PluginResult& result, const std::string& default_site);

}  // namespace panoptes::agent
