#pragma once
// The plugin registry's checks: which kind a plugin file belongs to, and "does this plugin's file,
// config and code load" for `panoptes-ctl check` (and anyone validating a set of plugin paths).
// Functions; they use the caller's PluginHost (hence its Interpreter): same thread rules.

#include <optional>
#include <string>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/site_config.h"
#include "python/host.h"

namespace panoptes::plugin {

// The kind whose configured plugins_paths holds `path` (SPEC §3), else the last path component
// named "discovery", "enrichment" or "polling", else nullopt. `path` need not exist.
std::optional<PluginKind> KindOfPath(const SiteConfig& site, const std::string& path);

struct CheckLine {
  bool ok = false;
  PluginKind kind = PluginKind::kPolling;
  std::string name;    // ok: the plugin's Name
  std::string file;    // absolute plugin file (or the path that failed)
  std::string reason;  // !ok: one line, no trailing newline
};

// Scans `path` (a plugin file or a directory, recursively) for plugins of `kind`, then loads each
// one's code with `host`. One line per plugin file, sorted by file; errors never stop the others.
std::vector<CheckLine> CheckPath(const std::string& path, PluginKind kind, const std::string& extension,
                                 python::PluginHost& host);

// "OK <kind> <name> <file>" or "ERROR <file>: <reason>" (SPEC §1).
std::string FormatCheckLine(const CheckLine& line);

}  // namespace panoptes::plugin
