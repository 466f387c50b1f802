#pragma once
// Watches plugin directories for changes with inotify, recursively: a file created, modified,
// deleted, renamed or its attributes changed anywhere under a root, and directories created or
// moved in (watched as they appear, and their contents counted as a change). The one inotify
// wrapper of the project: the scheduler (which debounces and rescans, docs/scheduler.md
// "Scanning") and the agent's zygote (which tells the workers, docs/agent.md) poll fd() and call
// Drain() when readable.
// Roots that do not exist yet are skipped; Watch() again (every rescan does) picks them up.
// Not thread-safe: one owner thread.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "panoptes/status.h"

namespace panoptes::core {

class DirWatch {
 public:
  // kIOError when inotify cannot be initialised. `log_name`: the logger its warnings go to.
  static Result<std::unique_ptr<DirWatch>> Create(std::string log_name);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

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
  DirWatch(int fd, std::string log_name) : fd_(fd), log_name_(std::move(log_name)) {}
  void AddTree(const std::string& dir, std::set<std::string>& seen);
  void AddOne(const std::string& dir);

  int fd_ = -1;
  std::map<int, std::string> by_wd_;
  std::map<std::string, int> by_path_;
  std::set<std::string> flat_;  // watched for their own entries only (no new subdirectories)
  std::set<std::string> warned_;
  std::string log_name_;  // the logger of its owner
};

}  // namespace panoptes::core
