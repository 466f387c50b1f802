#pragma once
// Who could have written a plugin file. The files and directories of the plugin paths choose
// which code the daemons run, so they must be writable by nobody but root and the daemon's own
// user: a file or directory owned by another user, or writable by its group or by others, is
// refused (docs/security.md). A directory with the sticky bit (like /tmp) may be world-writable:
// others can add entries there but not replace ours, and what they add is owned by them, so it is
// refused on its own. Stateless functions; thread-safe.

#include <string>

#include "panoptes/status.h"

namespace panoptes::config {

// What the scan and the loader demand of plugin files beyond their contents.
struct PluginFileChecks {
  bool permissions = true;  // [main] plugins_check_permissions
};

// Ok when `path` (a file or directory; symbolic links followed) is owned by root or by the
// effective user of this process and not writable by group or others (sticky directories
// excepted). Otherwise kInvalidArgument "<path>: refused: <why>, mode 0664 ...; <how to fix>";
// kNotFound / kIOError when it cannot be examined.
Status CheckTrusted(const std::string& path);

}  // namespace panoptes::config
