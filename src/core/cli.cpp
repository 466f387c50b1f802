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

ArgParser::ArgParser(std::string program, std::string synopsis)
    : program_(std::move(program)), synopsis_(std::move(synopsis)) {
  Add({"config", "PATH", "site-wide config (else $PANOPTES_CONFIG, else /etc/panoptes/panoptes.ini)"});
  Add({"log-level", "LEVEL", "trace|debug|info|warn|error (default info)"});
  Add({"help", "", "show this help and exit"});
  Add({"version", "", "show the version and exit"});
}

void ArgParser::Add(OptionSpec spec) {
  specs_.push_back(std::move(spec));
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
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs_) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return Status::InvalidArgument("unknown option --" + name + " (see --help)");
    if (spec->value_name.empty()) {
      if (inline_value) return Status::InvalidArgument("option --" + name + " takes no value");
      out.values[name] = "";
    } else if (inline_value) {
      out.values[name] = *inline_value;
    } else if (i + 1 < argc) {
      out.values[name] = argv[++i];
    } else {
      return Status::InvalidArgument("option --" + name + " needs a value " + spec->value_name);
    }
  }
  return out;
}

std::string ArgParser::Help() const {
  std::string text = "Usage: " + program_ + " " + synopsis_ + "\n\nOptions:\n";
  for (const auto& s : specs_) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    if (left.size() < 28) left.resize(28, ' ');
    text += left + " " + s.help + "\n";
  }
  text += "\nExit status: 0 clean stop, 1 runtime failure, 2 bad usage or bad config.\n";
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
