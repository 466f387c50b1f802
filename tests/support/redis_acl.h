#pragma once
// The Redis ACL users of config/redis-acl.conf, applied to a test's real redis-server with
// ACL SETUSER: key patterns rewritten for the test's key prefix, and the password of each role
// `<role>-pw` (role: scheduler, agent, ctl, consumer).

#include <string>

#include "panoptes/site_config.h"
#include "redis/client.h"

namespace panoptes::testing {

// Applies every `user` line of the file; returns how many (ADD_FAILURE naming the line on error).
int ApplyAclFile(redis::Client& admin, const std::string& prefix);

// `c` as the ACL user of `role` (panoptes-<role>, password <role>-pw).
RedisConfig AsAclUser(RedisConfig c, const std::string& role);

// INI lines for [redis] logging in as `role`, its password written to `<dir>/<role>.pw`.
std::string AclUserIni(const std::string& dir, const std::string& role);

}  // namespace panoptes::testing
