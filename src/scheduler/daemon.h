#pragma once
// panoptes-scheduler as a whole (docs/architecture.md, docs/scheduler.md): the code validator helper, one
// KindScheduler thread per kind, the /metrics and /healthz listener, signals and systemd notify.
// main() parses the command line and loads the site config, then calls RunDaemon.

#include <string>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/site_config.h"
#include "scheduler/validator.h"

namespace panoptes::scheduler {

// Runs until SIGTERM/SIGINT (leadership given up at once; exit 0). SIGHUP re-reads `config_path`
// (the file `site` came from) and rescans every kind's plugins with its plugin settings; a bad file
// is logged and the running config kept. Returns the process exit code (core::kExit*).
// REQUIRES: called from main() before any thread is started (the threads inherit its signal mask).
int RunDaemon(const SiteConfig& site, const std::string& config_path, const std::vector<PluginKind>& kinds);

// The code validator's hooks (validator.h), built in its helper process from the [python] path
// (the helper's hook arguments): each batch child starts an interpreter and imports the plugins.
// The scheduler process itself never calls them.
ValidatorHooks PythonValidatorHooks(const std::vector<std::string>& python_path);

}  // namespace panoptes::scheduler
