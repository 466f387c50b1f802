#pragma once
// Plugin files (docs/plugin-files.md), the configuration side: reading one `.panoptes-plugin` file into a
// validated PluginInfo (no Python is involved here), and scanning plugin directories for them.
// docs/plugin-files.md documents the format, defaults and identity rules.
//
// Section names are case-sensitive ([Core], [Documentation], [main], [enrichment]); key names are
// case-insensitive and are stored lowercased in PluginInfo::sections, as Python's configparser
// (and so the original Panoptes) presents them to plugins.
// Stateless functions; thread-safe (they only read the file system).

#include <string>
#include <string_view>
#include <vector>

#include "config/file_trust.h"
#include "panoptes/kind.h"
#include "panoptes/plugin_info.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::config {

// Reads and validates the plugin file at `path` as a plugin of `kind`. On error the message starts
// with "<absolute file>:<line>: " (or "<absolute file>: " when no line applies) and names the
// section, key, value and what is accepted; a missing Module names the path tried.
// With checks.permissions (the default), the plugin file, the module file and their directories
// must pass CheckTrusted (file_trust.h); the first that does not is the error.
Result<PluginInfo> LoadPluginFile(const std::string& path, PluginKind kind,
                                  const PluginFileChecks& checks = {});
// Same as LoadPluginFile on `text` as the contents of the file at `path` (the Module is still
// resolved against path's directory and must exist; mtimes are read when the files exist). With
// checks.permissions, the module file and the directories are checked (the plugin file need not exist).
Result<PluginInfo> ParsePluginFile(std::string_view text, const std::string& path, PluginKind kind,
                                   const PluginFileChecks& checks = {});
// The checks [main] asks for (plugins_check_permissions).
PluginFileChecks ChecksOf(const SiteConfig& site);

struct PluginError {
  std::string file;    // the plugin file (or directory) concerned, absolute
  std::string reason;  // without the file name, e.g. "line 12: [main] execute_frequency = x: ..."
};

struct ScanResult {
  std::vector<PluginInfo> plugins;  // sorted by file
  std::vector<PluginError> errors;  // sorted by file
};

// Recursively scans every path for regular files named "*.<extension>" and loads each as a plugin
// of `kind`. Symlinked directories are followed; a directory reached again through a loop is
// reported once and not descended into; a directory reached twice by other routes is scanned once.
// A missing path or unreadable directory is an error and is skipped. Two files with the same Name:
// the one later in path order is rejected, the reason naming both files. One bad file never stops
// the scan of the others. With checks.permissions, every directory walked must pass CheckTrusted
// (one that does not is an error and is not descended into), and so must each file loaded.
ScanResult ScanPaths(const std::vector<std::string>& paths, PluginKind kind, const std::string& extension,
                     const PluginFileChecks& checks = {});

// ScanPaths over site.Kind(kind).plugins_paths with site.main.plugins_extension and ChecksOf(site).
ScanResult ScanPlugins(const SiteConfig& site, PluginKind kind);

}  // namespace panoptes::config
