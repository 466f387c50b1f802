#pragma once
// Watches plugin directories for changes with inotify, recursively: a file created, modified,
// deleted, renamed or its attributes changed anywhere under a root, and directories created or
// moved in (watched as they appear, and their contents counted as a change). The scheduler polls
// fd() and calls Drain() when readable; it debounces and rescans (docs/scheduler.md, "Scanning").
// Roots that do not exist yet are skipped; Watch() again (every rescan does) picks them up.
// Not thread-safe: one owner thread.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::scheduler {

class Watcher {
 public:
  // kIOError when inotify cannot be initialised.
  static Result<std::unique_ptr<Watcher>> Create();
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Makes the watched set every directory under `roots` (recursively, following symlinks once)
  // plus each of `flat` itself (not its subdirectories: the directories of plugin modules, which
  // may be anywhere); directories no longer listed are unwatched. Returns the number of
  // directories watched. A directory that cannot be watched (permissions, inotify limit) is logged
  // once and skipped.
  size_t Watch(const std::vector<std::string>& roots, const std::vector<std::string>& flat = {});

  // The inotify descriptor (non-blocking): poll it for POLLIN.
  int fd() const { return fd_; }

  // Reads every pending event; adds watches for new subdirectories. True when anything relevant
  // changed (including the overflow of the kernel queue, which means "something changed").
  bool Drain();

  size_t watched() const { return by_wd_.size(); }

 private:
  explicit Watcher(int fd) : fd_(fd) {}
  void AddTree(const std::string& dir, std::set<std::string>& seen);
  void AddOne(const std::string& dir);

  int fd_ = -1;
  std::map<int, std::string> by_wd_;
  std::map<std::string, int> by_path_;
  std::set<std::string> flat_;  // watched for their own entries only (no new subdirectories)
  std::set<std::string> warned_;
};

}  // namespace panoptes::scheduler
