// panoptes-ctl: the operator's tool. Dispatches to one subcommand.

#include <cstdio>
#include <string>

#include "bin/ctl/commands.h"

namespace {

using panoptes::ctl::Command;
namespace ctl = panoptes::ctl;

constexpr Command kCommands[] = {
    {"check", "[PATH...]  validate plugin files, config and code", ctl::AddCheckOptions, ctl::RunCheck},
    {"run", "PLUGIN_FILE [--resource-json JSON | --resource-file FILE]  run one plugin once",
     ctl::AddRunOptions, ctl::RunRun},
    {"status", "leaders, agents, workers, queue depths, in-flight tasks, dead letters", ctl::AddStatusOptions,
     ctl::RunStatus},
    {"schedule", "[--kind K]  schedule entries with their next due time", ctl::AddScheduleOptions,
     ctl::RunSchedule},
    {"last-runs", "[--plugin NAME]  last executed, last results, last status", ctl::AddLastRunsOptions,
     ctl::RunLastRuns},
    {"resources", "[--filter EXPR]  resources in the store as JSON lines", ctl::AddResourcesOptions,
     ctl::RunResources},
    {"enqueue", "--kind K --plugin NAME [--resource-id ID]  push a task now", ctl::AddEnqueueOptions,
     ctl::RunEnqueue},
};

std::string Synopsis() {
  std::string s = "SUBCOMMAND [options]\n\nSubcommands:\n";
  for (const auto& c : kCommands) s += std::string("  ") + c.name + " " + c.synopsis + "\n";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sub = argc > 1 ? argv[1] : "";
  const Command* command = nullptr;
  for (const auto& c : kCommands) {
    if (sub == c.name) command = &c;
  }
  panoptes::core::ArgParser parser(command ? "panoptes-ctl " + sub : "panoptes-ctl",
                                   command ? command->synopsis : Synopsis());
  if (command != nullptr) command->add_options(parser);
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return panoptes::core::kExitUsage;
  }
  if (auto code = panoptes::core::HandleCommonOptions(parser, *args)) return *code;
  if (command == nullptr) {
    std::fprintf(stderr, "error: %s\n%s",
                 sub.empty() ? "a subcommand is required" : ("unknown subcommand '" + sub + "'").c_str(),
                 parser.Help().c_str());
    return panoptes::core::kExitUsage;
  }
  args->positional.erase(args->positional.begin());  // the subcommand itself
  return command->run(*args);
}
