// Placeholder until issue 5 lands; replaced by the real subcommands.
#include <cstdio>

#include "bin/ctl/commands.h"

namespace panoptes::ctl {

void AddScheduleOptions(core::ArgParser&) {}
int RunSchedule(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

void AddResourcesOptions(core::ArgParser&) {}
int RunResources(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

}  // namespace panoptes::ctl
