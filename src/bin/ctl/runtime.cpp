// Placeholder until issue 4 lands; replaced by the real subcommands.
#include <cstdio>

#include "bin/ctl/commands.h"

namespace panoptes::ctl {

void AddStatusOptions(core::ArgParser&) {}
int RunStatus(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

void AddLastRunsOptions(core::ArgParser&) {}
int RunLastRuns(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

void AddEnqueueOptions(core::ArgParser&) {}
int RunEnqueue(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

}  // namespace panoptes::ctl
