// panoptes-ctl: the operator's tool. Dispatches to one subcommand.

#include <cstdio>
#include <string>
#include <vector>

#include "bin/ctl/commands.h"
#include "scheduler/daemon.h"
#include "scheduler/validator.h"

namespace {

using panoptes::ctl::Command;
namespace ctl = panoptes::ctl;

constexpr Command kCommands[] = {
    {"check", "[PATH...]  validate plugin files, config and code", ctl::AddCheckOptions, ctl::RunCheck},
    {"run",
     "PLUGIN_FILE [--resource-json JSON | --resource-file FILE] [--secret K=V] [--snmp-port N] ...  run one "
     "plugin once",
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
    {"unquarantine", "PLUGIN [RESOURCE_ID] [--kind K]  end the quarantine of a plugin's pairs (or of one)",
     ctl::AddUnquarantineOptions, ctl::RunUnquarantine},
};

std::string Synopsis() {
  std::string s = "SUBCOMMAND [options]\n\nSubcommands:\n";
  for (const auto& c : kCommands) s += std::string("  ") + c.name + " " + c.synopsis + "\n";
  s += "\n'panoptes-ctl SUBCOMMAND --help' lists the subcommand's own options (given after it).";
  return s;
}

// The options of every subcommand, accepted anywhere on the line (docs/architecture.md: global options before
// or after the subcommand).
void AddGlobalOptions(panoptes::core::ArgParser& p) {
  p.Add({"json", "", "machine-readable output: one JSON document, or one JSON object per line for listings",
         true});
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return panoptes::core::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  namespace core = panoptes::core;
  namespace scheduler = panoptes::scheduler;
  // Hidden mode: this binary exec'd by `check` as the scheduler's code validator helper.
  if (scheduler::IsValidatorHelper(argc, argv))
    return scheduler::RunValidatorHelper(argc, argv, scheduler::PythonValidatorHooks);
  core::ArgParser globals("panoptes-ctl", Synopsis());
  AddGlobalOptions(globals);
  auto at = globals.FindSubcommand(argc, argv);
  if (!at.ok()) return Usage(at.status().message());
  std::string sub = *at < argc ? argv[*at] : "";
  const Command* command = nullptr;
  for (const auto& c : kCommands) {
    if (sub == c.name) command = &c;
  }
  if (command == nullptr && !sub.empty()) {
    Usage("unknown subcommand '" + sub + "'");
    std::fputs(globals.Help().c_str(), stderr);
    return core::kExitUsage;
  }
  core::ArgParser parser(command ? "panoptes-ctl " + sub : "panoptes-ctl",
                         command ? command->synopsis : Synopsis());
  AddGlobalOptions(parser);
  if (command != nullptr) command->add_options(parser);
  // The subcommand is taken out; everything else (options in any order) is parsed together.
  std::vector<const char*> rest(argv, argv + argc);
  if (command != nullptr) rest.erase(rest.begin() + *at);
  auto args = parser.Parse(static_cast<int>(rest.size()), rest.data());
  if (!args.ok()) return Usage(args.status().message());
  if (auto code = core::HandleCommonOptions(parser, *args)) return *code;
  if (command == nullptr) {
    Usage("a subcommand is required");
    std::fputs(parser.Help().c_str(), stderr);
    return core::kExitUsage;
  }
  return command->run(*args);
}
