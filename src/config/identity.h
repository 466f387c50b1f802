#pragma once
// Plugin identity (docs/plugin-files.md). Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace panoptes::config {

// The plugin Name with each '_' doubled, then every character outside [A-Za-z0-9_] replaced by '_'
// (per character, as the original in Python 3: one UTF-8 encoded character becomes one '_').
// E.g. "Interface_Metrics v2" -> "Interface__Metrics_v2".
std::string NormalizedName(std::string_view name);

}  // namespace panoptes::config
