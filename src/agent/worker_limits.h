#pragma once
// The rlimits of an agent worker and of each plugin run (process/limits.h), from [agent] worker_*
// and the plugin file's [limits]. Kept apart from the worker's logic so that whatever starts a
// worker process calls the same functions. Thread-compatible (pure functions).

#include <string>

#include "panoptes/plugin_info.h"
#include "panoptes/site_config.h"
#include "process/limits.h"

namespace panoptes::agent {

// The agent's defaults.
process::Limits WorkerLimits(const AgentConfig& agent);
// One run of the plugin: its [limits] over the defaults.
process::Limits RunLimitsOf(const AgentConfig& agent, const RunLimits& plugin);
// A run error naming the limit it likely hit: a MemoryError under an address-space limit or
// "Too many open files" under an open-files limit gets " (<limit>: [limits] <key> of <file> or
// [agent] worker_<key>)" appended; other errors are returned as they are.
std::string ExplainRunError(const std::string& error, const process::Limits& run,
                            const std::string& plugin_file);

}  // namespace panoptes::agent
