#include "process/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace panoptes::process {
namespace {

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Result<Identity> ResolveIdentity(const std::string& user, const std::string& group,
                                 const std::string& where) {
  Identity who{user, group, getuid(), getgid()};
  std::vector<char> buf(16384);
  if (!user.empty()) {
    passwd pw{};
    passwd* found = nullptr;
    int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (found == nullptr) {
      return Status::NotFound(where + ": no such user '" + user + "'" +
                              (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : ""));
    }
    who.uid = pw.pw_uid;
    who.gid = pw.pw_gid;
  }
  if (!group.empty()) {
    struct group gr {};
    struct group* found = nullptr;
    int rc = getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
    if (found == nullptr) {
      return Status::NotFound(where + ": no such group '" + group + "'" +
                              (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : ""));
    }
    who.gid = gr.gr_gid;
  }
  return who;
}

Status DropPrivileges(const Identity& who) {
  if (who.user.empty() && who.group.empty()) return Status::Ok();
  bool same = getuid() == who.uid && geteuid() == who.uid && getgid() == who.gid && getegid() == who.gid;
  if (same) return Status::Ok();
  if (geteuid() != 0) {
    return Status::InvalidArgument("cannot become user '" + who.user + "' group '" + who.group +
                                   "': the process does not run as root (uid " + std::to_string(geteuid()) +
                                   ")");
  }
  // Groups first: once the user is not root, they cannot be changed any more.
  int groups_rc = who.user.empty() ? setgroups(1, &who.gid) : initgroups(who.user.c_str(), who.gid);
  if (groups_rc != 0) return Status::IOError(Errno("setgroups"));
  if (setresgid(who.gid, who.gid, who.gid) != 0) return Status::IOError(Errno("setresgid"));
  if (!who.user.empty() && setresuid(who.uid, who.uid, who.uid) != 0)
    return Status::IOError(Errno("setresuid"));
  uid_t r = 0, e = 0, s = 0;
  if (getresuid(&r, &e, &s) != 0 || (!who.user.empty() && (r != who.uid || e != who.uid || s != who.uid))) {
    return Status::Internal("after setresuid the ids are not all " + std::to_string(who.uid));
  }
  if (who.uid != 0 && !who.user.empty() && (setuid(0) == 0 || seteuid(0) == 0)) {
    return Status::Internal("root could be regained after dropping to user '" + who.user + "'");
  }
  return Status::Ok();
}

}  // namespace panoptes::process
