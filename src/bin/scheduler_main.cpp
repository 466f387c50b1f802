// panoptes-scheduler: placeholder main until its issue lands.

#include <cstdio>

#include "config/site_config.h"
#include "core/cli.h"
#include "core/logging.h"

int main(int argc, char** argv) {
  panoptes::core::ArgParser parser("panoptes-scheduler", "[options]");
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return panoptes::core::kExitUsage;
  }
  if (auto code = panoptes::core::HandleCommonOptions(parser, *args)) return *code;
  auto loaded = panoptes::config::LoadSiteConfig(panoptes::core::ResolveConfigPath(*args));
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
    return panoptes::core::kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) panoptes::core::Logger("config")->warn("{}", warning);
  std::fprintf(stderr, "panoptes-scheduler: not implemented yet\n");
  return panoptes::core::kExitRuntime;
}
