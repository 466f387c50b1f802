// panoptes-consumer: the metrics streams into a time-series database (docs/outputs.md).

#include <cstdio>

#include "config/site_config.h"
#include "consumer/daemon.h"
#include "core/cli.h"
#include "core/logging.h"

int main(int argc, char** argv) {
  namespace core = panoptes::core;
  core::ArgParser parser("panoptes-consumer", "[options]");
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return core::kExitUsage;
  }
  if (auto code = core::HandleCommonOptions(parser, *args)) return *code;
  if (!args->positional.empty()) {
    std::fprintf(stderr, "error: unexpected argument '%s'\n", args->positional[0].c_str());
    return core::kExitUsage;
  }
  std::string config_path = core::ResolveConfigPath(*args);
  auto loaded = panoptes::config::LoadSiteConfig(config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
    return core::kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) core::Logger("config")->warn("{}", warning);
  return panoptes::consumer::RunConsumer(loaded->config, config_path);
}
