#include "agent/file_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace panoptes::agent {

FileWatch::FileWatch() {
  Reset();
}

FileWatch::~FileWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWatch::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ok_ = fd_ >= 0;
}

void FileWatch::Add(const std::string& path) {
  if (fd_ < 0) return;
  constexpr uint32_t kMask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF;
  if (::inotify_add_watch(fd_, path.c_str(), kMask) < 0) ok_ = false;
}

bool FileWatch::Changed() {
  if (fd_ < 0) return false;
  alignas(inotify_event) char buf[4096];
  bool changed = false;
  while (true) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) {
      changed = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return changed;  // EAGAIN: drained
  }
}

}  // namespace panoptes::agent
