#pragma once
// Dropping root: the agent's `[agent] user` / `[agent] group`. After its start-up work that needs
// root (binding ports below 1024, reading root-only files), a daemon becomes that user and group for
// good: supplementary groups, then the group, then the user, and it checks that root cannot be
// regained. Call while the process is single-threaded, before it forks the processes that should
// inherit the identity.

#include <sys/types.h>

#include <string>

#include "panoptes/status.h"

namespace panoptes::process {

struct Identity {
  std::string user;   // empty: keep the user
  std::string group;  // empty: the user's primary group (or keep the group when user is empty)
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks the names up (getpwnam_r/getgrnam_r). kNotFound names what is missing, e.g. "no such user
// 'panoptes'"; `where` prefixes the message (e.g. "[agent] user in /etc/panoptes/panoptes.ini").
Result<Identity> ResolveIdentity(const std::string& user, const std::string& group, const std::string& where);

// Becomes `who` (nothing to do when both names are empty). kInvalidArgument when switching needs
// root and the process is not root; kInternal when root can be regained afterwards.
Status DropPrivileges(const Identity& who);

}  // namespace panoptes::process
