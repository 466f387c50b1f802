// panoptes-ctl status, last-runs and enqueue against a running agent and a real redis-server.

#include <cstdio>

#include "integration/agent/agent_fixture.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

struct CtlOutput {
  int exit_code = -1;
  std::string out;
};

CtlOutput Ctl(const std::string& config, const std::string& args) {
  std::string cmd = std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-ctl " + args + " --config " + config +
                    " --log-level error 2>&1";
  CtlOutput r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST_F(AgentTest, CtlEnqueueRunsThroughTheAgentAndLastRunsAndStatusReportIt) {
  AddPlugin({"ctl_plugin"});
  std::string config = WriteConfig();
  Resource sw = TestResource("sw42");
  resources::ResourceStore store(*client_, prefix_);
  ASSERT_TRUE(store.PutDiscovered("test_discovery", {sw}, 600).ok());
  StartAgent(2);

  CtlOutput enq = Ctl(config, "enqueue --kind polling --plugin ctl_plugin --resource-id sw42");
  ASSERT_EQ(enq.exit_code, 0) << enq.out;
  EXPECT_NE(enq.out.find("enqueued polling task"), std::string::npos) << enq.out;

  Task expected = MakeTask("ctl_plugin", sw);  // same plugin and resource: same signature
  ASSERT_TRUE(WaitUntil([&] { return Meta("ctl_plugin", expected)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();

  CtlOutput runs = Ctl(config, "last-runs --plugin ctl_plugin");
  ASSERT_EQ(runs.exit_code, 0) << runs.out;
  EXPECT_NE(runs.out.find("\"resource_id\":\"sw42\""), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("\"last_status\":\"ok\""), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("\"plugin\":\"ctl_plugin\""), std::string::npos) << runs.out;
  EXPECT_EQ(Ctl(config, "last-runs --plugin nothing_like_it").out, "");

  CtlOutput status = Ctl(config, "status --kind polling");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("polling: leader none; queue 0; dead letters 0; workers registered 2"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("alive"), std::string::npos) << status.out;
}

TEST_F(AgentTest, CtlEnqueueRefusesUnknownPluginsAndResources) {
  AddPlugin({"ctl_plugin"});
  std::string config = WriteConfig();
  CtlOutput unknown = Ctl(config, "enqueue --kind polling --plugin nope --resource-id sw1");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("no loadable polling plugin named 'nope'"), std::string::npos) << unknown.out;
  CtlOutput missing = Ctl(config, "enqueue --kind polling --plugin ctl_plugin --resource-id ghost");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("not in the resource store"), std::string::npos) << missing.out;
  CtlOutput usage = Ctl(config, "enqueue --kind polling --plugin ctl_plugin");
  EXPECT_EQ(usage.exit_code, 2) << usage.out;
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0) << "nothing was queued";
}

TEST_F(AgentTest, WorkersOptionIsParsedWholeLikeAConfigInteger) {
  std::string config = WriteConfig();
  for (const char* bad : {"5x", "", "0", "1025"}) {
    std::string cmd = std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-agent --config " + config +
                      " --workers '" + bad + "' 2>&1";
    CtlOutput r;
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
    int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << "--workers '" << bad << "': " << r.out;
    EXPECT_NE(r.out.find("must be an integer in 1..1024"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace panoptes::testing
