// Dropping root (privileges.h), in forked children so the test process keeps its identity.
#include "process/privileges.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "process/process.h"

namespace panoptes::process {
namespace {

TEST(Unit, ResolveIdentityNamesTheMissingUserOrGroup) {
  auto user = ResolveIdentity("no_such_user_pnpt", "", "[agent] user in x.ini");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(user.status().message(), "[agent] user in x.ini: no such user 'no_such_user_pnpt'");
  auto group = ResolveIdentity("", "no_such_group_pnpt", "[agent] group in x.ini");
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.status().message().find("no such group 'no_such_group_pnpt'"), std::string::npos);
}

TEST(Unit, DropPrivilegesToNobodyCannotRegainRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "dropping privileges needs root; this test runs as uid " << geteuid();
  auto who = ResolveIdentity("nobody", "", "test");
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  auto pid = Fork();
  ASSERT_TRUE(pid.ok());
  if (*pid == 0) {
    Status st = DropPrivileges(*who);
    gid_t groups[4];
    int n = getgroups(4, groups);
    bool root_group = false;
    for (int i = 0; i < n; ++i) root_group = root_group || groups[i] == 0;
    _exit(!st.ok()                                        ? 2
          : getuid() != who->uid || geteuid() != who->uid ? 3
          : setuid(0) == 0                                ? 4
          : root_group                                    ? 5
                                                          : 0);
  }
  auto info = WaitFor(*pid, 5000);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->Clean()) << info->Describe()
                             << " (2: drop failed, 3: ids, 4: root regained, 5: root group)";
}

TEST(Unit, DropPrivilegesWithoutNamesDoesNothing) {
  EXPECT_TRUE(DropPrivileges(Identity{}).ok());
}

}  // namespace
}  // namespace panoptes::process
