#include "agent/worker_limits.h"

namespace panoptes::agent {

process::Limits WorkerLimits(const AgentConfig& agent) {
  return {agent.worker_address_space_mb, agent.worker_cpu_s, agent.worker_open_files};
}

process::Limits RunLimitsOf(const AgentConfig& agent, const RunLimits& plugin) {
  process::Limits l = WorkerLimits(agent);
  l.address_space_mb = plugin.address_space_mb.value_or(l.address_space_mb);
  l.cpu_s = plugin.cpu_s.value_or(l.cpu_s);
  l.open_files = plugin.open_files.value_or(l.open_files);
  return l;
}

std::string ExplainRunError(const std::string& error, const process::Limits& run,
                            const std::string& plugin_file) {
  auto where = [&](const std::string& key, int64_t value, const std::string& unit) {
    return " (the run's " + key + " limit is " + std::to_string(value) + unit + ": [limits] " + key + " of " +
           plugin_file + " or [agent] worker_" + key + ")";
  };
  if (run.address_space_mb > 0 && error.find("MemoryError") != std::string::npos)
    return error + where("address_space_mb", run.address_space_mb, " MB");
  if (error.find("Too many open files") != std::string::npos)
    return error + where("open_files", run.open_files, "");
  return error;
}

}  // namespace panoptes::agent
