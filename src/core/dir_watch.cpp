#include "core/dir_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/logging.h"

namespace panoptes::core {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// The canonical path of a directory, or "" when it is not one.
std::string CanonicalDir(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  if (ec || !fs::is_directory(canonical, ec)) return "";
  return canonical.string();
}

}  // namespace

Result<std::unique_ptr<DirWatch>> DirWatch::Create(std::string log_name) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::IOError(std::string("inotify_init1: ") + std::strerror(errno));
  return std::unique_ptr<DirWatch>(new DirWatch(fd, std::move(log_name)));
}

DirWatch::~DirWatch() {
  if (fd_ >= 0) close(fd_);
}

void DirWatch::AddOne(const std::string& dir) {
  if (by_path_.count(dir)) return;
  int wd = inotify_add_watch(fd_, dir.c_str(), kMask);
  if (wd < 0) {
    if (warned_.insert(dir).second) {
      Logger(log_name_)->warn("cannot watch {}: {} (changes there are seen at the next periodic rescan)", dir,
                              std::strerror(errno));
    }
    return;
  }
  // inotify returns the same descriptor for the same inode reached by another path.
  auto old = by_wd_.find(wd);
  if (old != by_wd_.end()) by_path_.erase(old->second);
  by_wd_[wd] = dir;
  by_path_[dir] = wd;
}

void DirWatch::AddTree(const std::string& dir, std::set<std::string>& seen) {
  std::string canonical = CanonicalDir(dir);
  if (canonical.empty() || !seen.insert(canonical).second) return;
  AddOne(canonical);
  std::error_code ec;
  for (fs::directory_iterator it(canonical, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) AddTree(it->path().string(), seen);
  }
}

size_t DirWatch::Watch(const std::vector<std::string>& roots, const std::vector<std::string>& flat) {
  std::set<std::string> seen;
  for (const std::string& root : roots) AddTree(root, seen);
  flat_.clear();
  for (const std::string& dir : flat) {
    std::string canonical = CanonicalDir(dir);
    if (canonical.empty() || !seen.insert(canonical).second) continue;
    AddOne(canonical);
    flat_.insert(canonical);
  }
  for (auto it = by_path_.begin(); it != by_path_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    inotify_rm_watch(fd_, it->second);
    by_wd_.erase(it->second);
    it = by_path_.erase(it);
  }
  return by_wd_.size();
}

bool DirWatch::Drain() {
  bool changed = false;
  alignas(struct inotify_event) char buffer[16384];
  while (true) {
    ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) changed = true;
      if (event->mask & IN_IGNORED) {
        auto it = by_wd_.find(event->wd);
        if (it != by_wd_.end()) {
          by_path_.erase(it->second);
          by_wd_.erase(it);
        }
        continue;
      }
      auto it = by_wd_.find(event->wd);
      if (it == by_wd_.end()) continue;
      changed = true;
      if ((event->mask & (IN_CREATE | IN_MOVED_TO)) && (event->mask & IN_ISDIR) && event->len > 0 &&
          !flat_.count(it->second)) {
        std::string child = it->second + "/" + event->name;
        std::set<std::string> seen;
        AddTree(child, seen);
      }
    }
  }
  return changed;
}

}  // namespace panoptes::core
