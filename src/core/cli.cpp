#include "core/cli.h"

#include <cstdio>
#include <cstdlib>

#include "core/logging.h"
#include "panoptes/version.h"

namespace panoptes::core {

std::optional<std::string> ParsedArgs::Get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& name) const {
  auto it = all_values.find(name);
  return it == all_values.end() ? std::vector<std::string>{} : it->second;
}

ArgParser::ArgParser(std::string program, std::string synopsis)
    : program_(std::move(program)), synopsis_(std::move(synopsis)) {
  Add({"config", "PATH", "site-wide config (else $PANOPTES_CONFIG, else /etc/panoptes/panoptes.ini)", true});
  Add({"log-level", "LEVEL", "trace|debug|info|warn|error (default info)", true});
  Add({"help", "", "show this help and exit", true});
  Add({"version", "", "show the version and exit", true});
}

void ArgParser::Add(OptionSpec spec) {
  specs_.push_back(std::move(spec));
}

const OptionSpec* ArgParser::Find(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<int> ArgParser::FindSubcommand(int argc, const char* const* argv) const {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") return i + 1 < argc ? i + 1 : argc;
    if (arg.rfind("--", 0) != 0 || arg == "-") return i;
    std::string name =
        arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
    const OptionSpec* spec = Find(name);
    if (spec == nullptr)
      return Status::InvalidArgument("option --" + name +
                                     " before the subcommand: only global options may come before it (see "
                                     "--help); put it after the subcommand");
    if (!spec->value_name.empty() && arg.find('=') == std::string::npos) ++i;
  }
  return argc;
}

Result<ParsedArgs> ArgParser::Parse(int argc, const char* const* argv) const {
  ParsedArgs out;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_done || arg.rfind("--", 0) != 0 || arg == "-") {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = Find(name);
    if (spec == nullptr) return Status::InvalidArgument("unknown option --" + name + " (see --help)");
    if (spec->value_name.empty()) {
      if (inline_value) return Status::InvalidArgument("option --" + name + " takes no value");
      out.values[name] = "";
    } else if (inline_value) {
      out.values[name] = *inline_value;
      out.all_values[name].push_back(*inline_value);
    } else if (i + 1 < argc) {
      out.values[name] = argv[++i];
      out.all_values[name].push_back(out.values[name]);
    } else {
      return Status::InvalidArgument("option --" + name + " needs a value " + spec->value_name);
    }
  }
  return out;
}

std::string ArgParser::Help() const {
  auto list = [this](bool global) {
    std::string text;
    for (const auto& s : specs_) {
      if (s.global != global) continue;
      std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
      if (left.size() < 28) left.resize(28, ' ');
      text += left + " " + s.help + "\n";
    }
    return text;
  };
  std::string text = "Usage: " + program_ + " " + synopsis_ + "\n";
  std::string own = list(false);
  if (!own.empty()) text += "\nOptions:\n" + own;
  text += "\nGlobal options (before or after the subcommand and arguments, in any order):\n" + list(true);
  text += "\nOptions take \"--name value\" or \"--name=value\"; \"--\" ends the options.\n";
  text += "Exit status: 0 clean stop, 1 runtime failure, 2 bad usage or bad config.\n";
  return text;
}

std::string ResolveConfigPath(const ParsedArgs& args) {
  if (auto v = args.Get("config")) return *v;
  if (const char* env = std::getenv("PANOPTES_CONFIG"); env != nullptr && *env != '\0') return env;
  return "/etc/panoptes/panoptes.ini";
}

std::optional<int> HandleCommonOptions(const ArgParser& parser, const ParsedArgs& args) {
  if (args.Has("help")) {
    std::fputs(parser.Help().c_str(), stdout);
    return kExitOk;
  }
  if (args.Has("version")) {
    std::printf("panoptes-cpp %s\n", kVersion);
    return kExitOk;
  }
  auto level = ParseLogLevel(args.Get("log-level").value_or("info"));
  if (!level) {
    std::fprintf(stderr, "error: --log-level must be one of trace|debug|info|warn|error\n");
    return kExitUsage;
  }
  InitLogging(*level);
  return std::nullopt;
}

}  // namespace panoptes::core
