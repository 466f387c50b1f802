#pragma once
// panoptes-ctl subcommands (docs/architecture.md). Each is implemented in its own file under src/bin/ctl/ and
// listed in kCommands (ctl_main.cpp). A command gets the parsed arguments (the subcommand name
// already removed from positional; logging set up) and returns the process exit code.

#include "core/cli.h"

namespace panoptes::ctl {

// Declares the subcommand's own options on the parser before parsing.
using AddOptionsFn = void (*)(core::ArgParser&);
using RunFn = int (*)(const core::ParsedArgs&);

struct Command {
  const char* name;
  const char* synopsis;
  AddOptionsFn add_options;
  RunFn run;
};

void AddCheckOptions(core::ArgParser& p);
int RunCheck(const core::ParsedArgs& args);
void AddRunOptions(core::ArgParser& p);
int RunRun(const core::ParsedArgs& args);
void AddStatusOptions(core::ArgParser& p);
int RunStatus(const core::ParsedArgs& args);
void AddScheduleOptions(core::ArgParser& p);
int RunSchedule(const core::ParsedArgs& args);
void AddLastRunsOptions(core::ArgParser& p);
int RunLastRuns(const core::ParsedArgs& args);
void AddResourcesOptions(core::ArgParser& p);
int RunResources(const core::ParsedArgs& args);
void AddEnqueueOptions(core::ArgParser& p);
int RunEnqueue(const core::ParsedArgs& args);
void AddUnquarantineOptions(core::ArgParser& p);
int RunUnquarantine(const core::ParsedArgs& args);

}  // namespace panoptes::ctl
