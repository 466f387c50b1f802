#include "scheduler/plugin_verdict.h"

#include <algorithm>
#include <filesystem>

#include "config/plugin_file.h"

namespace panoptes::scheduler {
namespace {

// Messages from the validator and the filter name the file already; the verdict names it once.
std::string WithoutFile(const std::string& file, const std::string& message) {
  return message.rfind(file + ": ", 0) == 0 ? message.substr(file.size() + 2) : message;
}

}  // namespace

PluginVerdict JudgePlugins(const std::vector<std::string>& paths, PluginKind kind,
                           const std::string& extension, const CodeCheck& check_code,
                           const config::PluginFileChecks& checks) {
  config::ScanResult scan = config::ScanPaths(paths, kind, extension, checks);
  PluginVerdict verdict;
  for (const config::PluginError& e : scan.errors) verdict.rejected[e.file] = e.reason;
  std::vector<Status> code = check_code(scan.plugins);
  for (size_t i = 0; i < scan.plugins.size(); ++i) {
    PluginInfo& info = scan.plugins[i];
    verdict.module_dirs.push_back(std::filesystem::path(info.module_path).parent_path().string());
    if (!code[i].ok()) {
      verdict.rejected[info.file] = WithoutFile(info.file, code[i].message());
      continue;
    }
    std::string file = info.file;
    auto schedulable = MakeSchedulable(std::move(info));
    if (!schedulable.ok()) {
      verdict.rejected[file] = WithoutFile(file, schedulable.status().message());
      continue;
    }
    verdict.accepted.push_back(std::move(*schedulable));
  }
  std::sort(verdict.module_dirs.begin(), verdict.module_dirs.end());
  verdict.module_dirs.erase(std::unique(verdict.module_dirs.begin(), verdict.module_dirs.end()),
                            verdict.module_dirs.end());
  return verdict;
}

}  // namespace panoptes::scheduler
