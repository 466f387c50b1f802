#include "config/file_trust.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace panoptes::config {
namespace {

std::string UserName(uid_t uid) {
  std::string out = "uid " + std::to_string(uid);
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != nullptr) {
    out += std::string(" (") + found->pw_name + ")";
  }
  return out;
}

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

const char* kHowToRelax = "or set [main] plugins_check_permissions = false";

}  // namespace

Status CheckTrusted(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string reason = path + ": cannot examine: " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(reason) : Status::IOError(reason);
  }
  const char* what = S_ISDIR(st.st_mode) ? "directory" : "file";
  uid_t self = geteuid();
  if (st.st_uid != 0 && st.st_uid != self) {
    return Status::InvalidArgument(path + ": refused: the " + what + " is owned by " + UserName(st.st_uid) +
                                   ", not by root or the daemon's user " + UserName(self) + " (mode " +
                                   Octal(st.st_mode) + "); chown it, " + kHowToRelax);
  }
  bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
  mode_t writable = st.st_mode & (S_IWGRP | S_IWOTH);
  if (writable != 0 && !sticky_dir) {
    const char* who = writable == (S_IWGRP | S_IWOTH) ? "group and others"
                      : writable == S_IWGRP           ? "group"
                                                      : "others";
    return Status::InvalidArgument(path + ": refused: mode " + Octal(st.st_mode) + " lets " + who +
                                   " write the " + what + "; chmod go-w " + path + ", " + kHowToRelax);
  }
  return Status::Ok();
}

}  // namespace panoptes::config
