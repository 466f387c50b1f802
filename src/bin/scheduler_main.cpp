// panoptes-scheduler: placeholder main until its issue lands.

#include <cstdio>

#include "core/cli.h"

int main(int argc, char** argv) {
  panoptes::core::ArgParser parser("panoptes-scheduler", "[options]");
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return panoptes::core::kExitUsage;
  }
  if (auto code = panoptes::core::HandleCommonOptions(parser, *args)) return *code;
  std::fprintf(stderr, "panoptes-scheduler: not implemented yet\n");
  return panoptes::core::kExitRuntime;
}
