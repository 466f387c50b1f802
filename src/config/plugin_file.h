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
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/plugin_info.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::config {

// Reads and validates the plugin file at `path` as a plugin of `kind`. On error the message starts
// with "<absolute file>:<line>: " (or "<absolute file>: " when no line applies) and names the
// section, key, value and what is accepted; a missing Module names the path tried.
Result<PluginInfo> LoadPluginFile(const std::string& path, PluginKind kind);

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
// the scan of the others.
ScanResult ScanPaths(const std::vector<std::string>& paths, PluginKind kind, const std::string& extension);

// ScanPaths over site.Kind(kind).plugins_paths with site.main.plugins_extension.
ScanResult ScanPlugins(const SiteConfig& site, PluginKind kind);

}  // namespace panoptes::config
