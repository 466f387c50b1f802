#pragma once
// The worker zygote: a process the supervisor forks (while single-threaded, before it ever starts
// Python) that starts the embedded interpreter, imports the embedded framework and the modules of
// the served kinds' plugins once, freezes the Python heap (gc.freeze()) and then forks a worker on
// each request of the supervisor. The workers share those pages copy-on-write, and a replacement
// worker is a fork (about a millisecond) instead of a Python start and a round of imports.
//
// Workers are forked with CLONE_PARENT (process::ForkSibling): they are children of the
// supervisor, which reaps them, watches them on the board and kills them as before, and they keep
// running when the zygote dies. Each worker still opens its own Redis connection and runs in its
// own process; it inherits the zygote's plugin host and catalog (the imported modules, not the
// plugin instances, which each worker creates at its first run).
//
// The zygote also owns the agent's one inotify watch (core/dir_watch.h) over the plugin
// directories: on a change it rescans, re-imports what changed, freezes the heap again and bumps
// the board's plugin generation (board.h), upon which every worker stats its plugins' files and
// re-imports a changed one at its next run. So running workers pick up an edit themselves, and
// workers forked later start with the new code already imported.
//
// Fork safety: the zygote never starts a thread, Python or otherwise (a plugin module that starts
// one at import breaks this; the import-time code of plugins is theirs to keep quiet), and forks
// with PyOS_BeforeFork / PyOS_AfterFork_Child around the clone (python::Interpreter::Fork).
//
// The protocol on the socket pair between supervisor and zygote: fixed-size SpawnRequest records
// one way, SpawnReply records the other, in the order of the requests.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "agent/board.h"
#include "panoptes/kind.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

inline constexpr const char* kZygoteProcessName = "panoptes-zygote";  // its /proc/<pid>/comm
inline constexpr size_t kWorkerIdMax = 160;                           // bytes, with the terminating NUL

struct SpawnRequest {
  uint32_t board_index = 0;
  uint32_t kind = 0;  // KindIndex
  char worker_id[kWorkerIdMax] = {};
};

struct SpawnReply {
  uint32_t board_index = 0;
  int32_t pid = 0;  // > 0: the worker's; < 0: -errno of the failed fork
};

struct ZygoteOptions {
  SiteConfig site;
  std::vector<PluginKind> kinds;
  Board* board = nullptr;   // the supervisor's, inherited
  int fd = -1;              // its end of the socket pair
  pid_t supervisor = 0;     // the workers' parent
  std::string worker_name;  // the workers' process name (the supervisor's)
};

// Runs the zygote in the calling (freshly forked) process until the supervisor closes its end of
// the socket; returns the exit code (0: closed; 4: Python could not start). A worker forked from
// it never returns from here: it exits with the worker's exit code.
int RunZygote(const ZygoteOptions& options);

}  // namespace panoptes::agent
