#pragma once
// Tells a worker whether any of its plugin files changed, with one cheap syscall per question and
// no path lookup: inotify watches on the files themselves (modify, attribute change such as touch,
// close after write, move, delete: so an editor's write-and-rename is seen too, on the old inode).
// The worker then stats its plugins' files to find which one changed. Where inotify is not
// available or a watch cannot be added (limits), active() is false and the worker stats the files
// of every task's plugin instead.
// Single-threaded (one per worker).

#include <string>

namespace panoptes::agent {

class FileWatch {
 public:
  FileWatch();
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Drops every watch and starts afresh; active() is true again if inotify works.
  void Reset();
  // Watches `path`; on failure active() becomes false (until Reset).
  void Add(const std::string& path);
  // Whether any watched file changed since the last call (drains the pending events).
  bool Changed();
  bool active() const { return fd_ >= 0 && ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

}  // namespace panoptes::agent
