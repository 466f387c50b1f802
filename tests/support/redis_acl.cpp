#include "support/redis_acl.h"

#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

namespace panoptes::testing {

int ApplyAclFile(redis::Client& admin, const std::string& prefix) {
  std::string path = std::string(PANOPTES_TEST_SOURCE_DIR) + "/config/redis-acl.conf";
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << path << ": cannot open";
    return 0;
  }
  std::string line;
  int users = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("user ", 0) != 0) continue;
    std::istringstream words(line);
    std::vector<std::string> argv = {"ACL", "SETUSER"};
    std::string w;
    words >> w;  // "user"
    while (words >> w) {
      if (w.rfind(">CHANGE-ME-", 0) == 0) w = ">" + w.substr(11) + "-pw";
      for (size_t at = w.find("panoptes:"); at != std::string::npos;
           at = w.find("panoptes:", at + prefix.size())) {
        w.replace(at, 9, prefix + ":");
      }
      argv.push_back(w);
    }
    auto r = admin.Command(argv);
    if (!r.ok()) {
      ADD_FAILURE() << path << ":" << n << ": " << r.status().ToString();
      continue;
    }
    ++users;
  }
  return users;
}

RedisConfig AsAclUser(RedisConfig c, const std::string& role) {
  c.username = "panoptes-" + role;
  c.password = role + "-pw";
  return c;
}

std::string AclUserIni(const std::string& dir, const std::string& role) {
  std::string pw = dir + "/" + role + ".pw";
  std::ofstream(pw) << role << "-pw\n";
  return "username = panoptes-" + role + "\npassword_file = " + pw + "\n";
}

}  // namespace panoptes::testing
