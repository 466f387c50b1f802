// The agent's [agent] user/group privilege drop and its workers' rlimits ([agent] worker_*, a
// plugin file's [limits]), against a real redis-server.

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "integration/agent/agent_fixture.h"
#include "process/process.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

// A "Name:\t..." line of /proc/<pid>/status or a row of /proc/<pid>/limits, after its prefix.
std::string ProcLine(pid_t pid, const std::string& file, const std::string& prefix) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

// The soft and hard columns of a /proc/<pid>/limits row, e.g. "1024 4096".
std::string SoftHard(pid_t pid, const std::string& row) {
  std::istringstream in(ProcLine(pid, "limits", row));
  std::string soft, hard;
  in >> soft >> hard;
  return soft + " " + hard;
}

// A system user made for one test and removed after it (root only).
class ThrowawayUser {
 public:
  ThrowawayUser() : name_("pnpt" + std::to_string(getpid() % 100000)) {
    std::string cmd = "useradd --system --no-create-home --shell /usr/sbin/nologin --user-group " + name_ +
                      " >/dev/null 2>&1";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  ~ThrowawayUser() {
    if (ok_) (void)std::system(("userdel " + name_ + " >/dev/null 2>&1").c_str());
  }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  uid_t uid() const { return getpwnam(name_.c_str())->pw_uid; }

 private:
  std::string name_;
  bool ok_ = false;
};

TEST_F(AgentTest, DropsToAgentUserAfterStartAndWorkersRunAsIt) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root; this test runs as uid " << geteuid();
  ThrowawayUser user;
  ASSERT_TRUE(user.ok()) << "useradd failed";
  // The user must reach the plugin files and write the run log: the test's dir is root's 0700.
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  std::string runs = AddPlugin({"as_user"});
  { std::ofstream(runs).flush(); }
  ASSERT_EQ(chmod(runs.c_str(), 0666), 0);
  WriteConfig("user = " + user.name() + "\n");
  pid_t agent = StartAgent(1);
  std::string uid = std::to_string(user.uid());
  std::string want = uid + "\t" + uid + "\t" + uid + "\t" + uid;
  EXPECT_TRUE(WaitUntil([&] { return ProcLine(agent, "status", "Uid:\t") == want; }, seconds(5),
                        "the supervisor runs as the user (real, effective, saved, fs)"))
      << ProcLine(agent, "status", "Uid:\t") << "\n"
      << AgentLog();
  // Whole group ids: a substring "0 " would also match gid 1000 ("1000 ").
  EXPECT_EQ((" " + ProcLine(agent, "status", "Groups:\t") + " ").find(" 0 "), std::string::npos)
      << "no root group left";
  for (pid_t w : Children(agent)) EXPECT_EQ(ProcLine(w, "status", "Uid:\t"), want) << "worker " << w;
  EXPECT_EQ(ProcLine(Courier(agent), "status", "Uid:\t"), want) << "the Redis courier";
  Task task = MakeTask("as_user", TestResource("sw1"));
  Push(task);
  EXPECT_TRUE(WaitUntil([&] { return Meta("as_user", task)["last_status"] == "ok"; }, seconds(20), "a run"))
      << AgentLog() << Meta("as_user", task)["last_error"];
  EXPECT_NE(AgentLog().find("running as user " + user.name()), std::string::npos);
}

TEST_F(AgentTest, UnknownAgentUserIsAStartErrorNamingTheKey) {
  WriteConfig("user = no_such_user_pnpt\n");
  auto pid = process::Spawn({std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-agent", "--config",
                             config_path_, "--kind", "polling", "--workers", "1"},
                            dir_.path() + "/agent-0.log");
  ASSERT_TRUE(pid.ok());
  auto info = process::WaitFor(*pid, 10000);
  ASSERT_TRUE(info.has_value()) << "the agent exits";
  EXPECT_FALSE(info->Clean());
  EXPECT_NE(AgentLog().find("[agent] user in " + config_path_ + ": no such user 'no_such_user_pnpt'"),
            std::string::npos)
      << AgentLog();
}

TEST_F(AgentTest, WorkersGetTheAgentRlimitsAndNoCoreFiles) {
  WriteConfig("worker_open_files = 200\nworker_address_space_mb = 0\n");
  pid_t agent = StartAgent(1);
  pid_t worker = Children(agent).at(0);
  EXPECT_TRUE(WaitUntil([&] { return SoftHard(worker, "Max open files").rfind("200 ", 0) == 0; }, seconds(5),
                        "soft RLIMIT_NOFILE 200"))
      << SoftHard(worker, "Max open files");
  EXPECT_EQ(SoftHard(worker, "Max core file size"), "0 0");
}

TEST_F(AgentTest, PluginPastItsCpuLimitIsRecordedNamingTheLimitAndTheAgentCarriesOn) {
  AddPlugin({"burner", "burn", 60, 30, 20}, "\n[limits]\ncpu_s = 1\n");
  std::string ok_runs = AddPlugin({"calm"});
  pid_t agent = StartAgent(1);
  Task task = MakeTask("burner", TestResource("sw1"), 30);
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return Meta("burner", task)["last_status"] == "crashed"; }, seconds(20),
                        "the run ends at its CPU limit"))
      << AgentLog();
  EXPECT_NE(Meta("burner", task)["last_error"].find("CPU limit"), std::string::npos)
      << Meta("burner", task)["last_error"];
  Task after = MakeTask("calm", TestResource("sw2"));
  Push(after);
  EXPECT_TRUE(
      WaitUntil([&] { return Meta("calm", after)["last_status"] == "ok"; }, seconds(20), "the next run"))
      << AgentLog();
  EXPECT_EQ(process::SendSignal(agent, 0).code(), StatusCode::kOk);
}

TEST_F(AgentTest, PluginPastItsAddressSpaceOrFilesLimitGetsAnErrorNamingTheLimit) {
  AddPlugin({"hog", "alloc", 60, 30, 8192}, "\n[limits]\naddress_space_mb = 4096\n");
  AddPlugin({"opener", "files", 60, 30, 100}, "\n[limits]\nopen_files = 64\n");
  StartAgent(1);
  Task hog = MakeTask("hog", TestResource("sw1"), 30);
  Task opener = MakeTask("opener", TestResource("sw2"), 30);
  Push(hog);
  Push(opener);
  ASSERT_TRUE(WaitUntil([&] { return Meta("hog", hog)["last_status"] == "error"; }, seconds(20), "hog errs"))
      << AgentLog();
  EXPECT_NE(Meta("hog", hog)["last_error"].find("address_space_mb limit is 4096 MB"), std::string::npos)
      << Meta("hog", hog)["last_error"];
  ASSERT_TRUE(
      WaitUntil([&] { return Meta("opener", opener)["last_status"] == "error"; }, seconds(20), "opener errs"))
      << AgentLog();
  EXPECT_NE(Meta("opener", opener)["last_error"].find("open_files limit is 64"), std::string::npos)
      << Meta("opener", opener)["last_error"];
}

}  // namespace
}  // namespace panoptes::testing
