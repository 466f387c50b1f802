#pragma once
// A validated plugin file (docs/plugin-files.md): what the scheduler schedules and the agent runs. Produced
// by config::LoadPluginFile / config::ScanPlugins (src/config/plugin_file.h). Value type.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/kind.h"

namespace panoptes {

// One `[enrichment] preload` item: "self:<namespace>" or "<resource_id>:<namespace>".
struct PreloadSpec {
  bool self = false;        // true for "self": the task's own resource
  std::string resource_id;  // empty when self
  std::string namespace_;
  bool operator==(const PreloadSpec&) const = default;
};

// One `[transforms]` entry of a polling plugin: "<name> = rate:<group_type>:<metric>[,<metric>...]".
// Every entry applies (several may name the same group type); for each named counter of a group of
// that type the published group gains a gauge of the same metric name holding its rate.
struct TransformSpec {
  std::string name;        // the key (a label)
  std::string type;        // "rate", the only transform there is
  std::string group_type;  // metrics_group_type it applies to
  std::vector<std::string> metrics;
  bool operator==(const TransformSpec&) const = default;
};

// `[limits]` of a plugin file: this plugin's runs get these instead of the agent's [agent] worker_*
// limits (unset: the agent's). 0 means unlimited for address_space_mb and cpu_s.
struct RunLimits {
  std::optional<int64_t> address_space_mb;
  std::optional<int64_t> cpu_s;
  std::optional<int64_t> open_files;
  bool operator==(const RunLimits&) const = default;
};

using IniSections = std::map<std::string, std::map<std::string, std::string>>;

struct PluginInfo {
  PluginKind kind = PluginKind::kPolling;
  std::string name;             // [Core] Name
  std::string normalized_name;  // NormalizedName(name), docs/plugin-files.md
  std::string file;             // absolute, lexically normal path of the .panoptes-plugin file
  std::string module_path;      // absolute path of the resolved .py file
  std::string class_name;       // [Core] Class; empty: the single plugin class of the module

  int execute_frequency = 0;    // seconds > 0
  std::string resource_filter;  // polling/enrichment: mandatory; discovery: empty
  int results_cache_age = 0;    // seconds >= 0
  int enrichment_ttl = 0;       // seconds; default 3 * execute_frequency
  int resource_ttl = 604800;    // seconds; discovery
  double time_limit = 0;        // seconds; default 1.25 * execute_frequency
  int expires = 0;              // seconds; default 2 * execute_frequency
  std::vector<PreloadSpec> preload;
  std::vector<TransformSpec> transforms;  // polling only, in file order
  RunLimits limits;

  IniSections sections;  // every section/key as read, for context.config
  // Accepted but ignored content ("<file>:<line>: ..."), for check/run to show and daemons to log.
  std::vector<std::string> warnings;

  int64_t file_mtime_ns = 0;  // change detection (re-import, frequency guard)
  int64_t module_mtime_ns = 0;
};

}  // namespace panoptes
