#pragma once
// Command-line handling shared by the three programs (docs/architecture.md): --config, --log-level, --help,
// --version, plus each program's own options. Exit codes are the constants below.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::core {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;  // bad usage or bad config

struct OptionSpec {
  std::string name;        // long name without dashes, e.g. "kind"
  std::string value_name;  // empty: a flag without value
  std::string help;
  // Accepted anywhere on the command line, before or after a subcommand (--config, --log-level,
  // --help, --version, and a program's own such as panoptes-ctl's --json).
  bool global = false;
};

struct ParsedArgs {
  std::map<std::string, std::string> values;  // option name -> value ("" for flags); the last one given
  std::map<std::string, std::vector<std::string>> all_values;  // every value of repeated options, in order
  std::vector<std::string> positional;
  bool Has(const std::string& name) const { return values.count(name) != 0; }
  std::optional<std::string> Get(const std::string& name) const;
  // Every value given for `name` (e.g. `--secret a=1 --secret b=2`), in command-line order.
  std::vector<std::string> GetAll(const std::string& name) const;
};

class ArgParser {
 public:
  // `program` and `synopsis` are shown by --help. The common options are always declared.
  ArgParser(std::string program, std::string synopsis);
  void Add(OptionSpec spec);
  // Accepts "--name value", "--name=value" and positional arguments in any order; "--" ends
  // options.
  Result<ParsedArgs> Parse(int argc, const char* const* argv) const;
  // For programs with subcommands: the index in argv of the first positional argument (the
  // subcommand), skipping the options declared so far with their values; argc when there is none.
  // An option not declared yet (a subcommand's own) before the subcommand is kInvalidArgument
  // naming it: its value cannot be told from the subcommand before the subcommand is known.
  Result<int> FindSubcommand(int argc, const char* const* argv) const;
  std::string Help() const;

 private:
  const OptionSpec* Find(const std::string& name) const;

  std::string program_;
  std::string synopsis_;
  std::vector<OptionSpec> specs_;
};

// --config, else $PANOPTES_CONFIG, else /etc/panoptes/panoptes.ini.
std::string ResolveConfigPath(const ParsedArgs& args);

// Handles --help/--version and sets up logging from --log-level. Returns an exit code when the
// program should stop now (help, version, bad level), nullopt to carry on.
std::optional<int> HandleCommonOptions(const ArgParser& parser, const ParsedArgs& args);

}  // namespace panoptes::core
