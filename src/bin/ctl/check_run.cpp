// Placeholder until issue 3 lands; replaced by the real subcommands.
#include <cstdio>

#include "bin/ctl/commands.h"

namespace panoptes::ctl {

void AddCheckOptions(core::ArgParser&) {}
int RunCheck(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

void AddRunOptions(core::ArgParser&) {}
int RunRun(const core::ParsedArgs&) {
  std::fprintf(stderr, "error: not available in this build yet\n");
  return core::kExitRuntime;
}

}  // namespace panoptes::ctl
