#pragma once
// Which kind a plugin file belongs to. (Whether a plugin file is accepted is the scheduler's
// verdict: scheduler/plugin_verdict.h, which `panoptes-ctl check` uses too.) Thread-safe.

#include <optional>
#include <string>

#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::plugin {

// The kind whose configured plugins_paths holds `path` (docs/plugin-files.md), else the last path component
// named "discovery", "enrichment" or "polling", else nullopt. `path` need not exist.
std::optional<PluginKind> KindOfPath(const SiteConfig& site, const std::string& path);

}  // namespace panoptes::plugin
