#pragma once
// The scheduler's verdict on the plugin files of one kind: which are scheduled and why each other
// one is not. The scheduler's scans and `panoptes-ctl check` both call JudgePlugins, so check says
// exactly what the scheduler will do with a file: the plugin file itself (sections, keys, values,
// preload syntax), names unique across every directory of the kind, the code (imported by the
// caller's CodeCheck), and the resource_filter compiled.
// A pure function of the file system and the CodeCheck; thread-safe if the CodeCheck is.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/file_trust.h"
#include "panoptes/plugin_info.h"
#include "panoptes/status.h"
#include "scheduler/entry.h"

namespace panoptes::scheduler {

// One Status per plugin, in order: ok, or why its code cannot be scheduled (CodeValidator::Validate).
using CodeCheck = std::function<std::vector<Status>(const std::vector<PluginInfo>&)>;

struct PluginVerdict {
  std::vector<SchedulablePlugin> accepted;      // sorted by file
  std::map<std::string, std::string> rejected;  // file (or directory) -> reason, without the file name
  std::vector<std::string> module_dirs;         // sorted, unique: of every file that loaded (to watch)
};

// Scans `paths` recursively for "*.<extension>" files of `kind` (config::ScanPaths), gives the
// files that loaded to `check_code`, and compiles the resource filters of those it accepted.
// `checks`: the file checks of the site config (config::ChecksOf).
PluginVerdict JudgePlugins(const std::vector<std::string>& paths, PluginKind kind,
                           const std::string& extension, const CodeCheck& check_code,
                           const config::PluginFileChecks& checks = {});

}  // namespace panoptes::scheduler
