// panoptes-ctl status, last-runs and enqueue against a running agent and a real redis-server.

#include <nlohmann/json.hpp>

#include "integration/agent/agent_fixture.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

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

  CtlOutput runs = Ctl(config, "last-runs --plugin ctl_plugin --json");
  ASSERT_EQ(runs.exit_code, 0) << runs.out;
  auto run = nlohmann::json::parse(runs.out.substr(0, runs.out.find('\n')));
  EXPECT_EQ(run["kind"], "polling");
  EXPECT_EQ(run["plugin"], "ctl_plugin");
  EXPECT_EQ(run["resource_id"], "sw42");
  EXPECT_EQ(run["last_status"], "ok");
  EXPECT_EQ(run["signature"], expected.signature);
  EXPECT_TRUE(run["last_executed"].is_number()) << runs.out;
  EXPECT_EQ(Ctl(config, "last-runs --plugin nothing_like_it --json").out, "");
  CtlOutput table = Ctl(config, "last-runs");
  EXPECT_EQ(table.out.rfind("KIND     PLUGIN      RESOURCE  STATUS", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("\npolling  ctl_plugin  sw42      ok "), std::string::npos) << table.out;

  CtlOutput status = Ctl(config, "--json status --kind polling");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  auto polling = nlohmann::json::parse(status.out)["kinds"][0];
  EXPECT_EQ(polling["kind"], "polling");
  EXPECT_TRUE(polling["leader"].is_null());
  EXPECT_EQ(polling["queue"], 0);
  EXPECT_TRUE(polling["oldest_pending_age_s"].is_null());
  EXPECT_EQ(polling["dead_letters"], 0);
  ASSERT_EQ(polling["workers"].size(), 2u) << status.out;
  EXPECT_EQ(polling["workers"][0]["alive"], true);
  EXPECT_EQ(polling["plugins"], nlohmann::json::parse(R"([{"plugin":"ctl_plugin","last_status":{"ok":1}}])"));
  CtlOutput human = Ctl(config, "status --kind polling");
  EXPECT_NE(human.out.find("polling  none    -               0      -               0             2"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("polling  ctl_plugin  1   0      0      0        0"), std::string::npos)
      << human.out;
}

// The age of the oldest pending task: the right end of the queue, on the Redis clock.
TEST_F(AgentTest, CtlStatusShowsTheAgeOfTheOldestPendingTask) {
  std::string config = WriteConfig();
  auto now = client_->Command({"TIME"});
  ASSERT_TRUE(now.ok());
  int64_t t = std::stoll(now->elements[0].str);
  for (int64_t age : {300, 10}) {
    std::string task = R"({"v":1,"id":"x","scheduled_for":)" + std::to_string(t - age) + "}";
    ASSERT_TRUE(client_->Command({"LPUSH", Key("tasks:discovery"), task}).ok());
  }
  CtlOutput status = Ctl(config, "status --json --kind discovery");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  auto discovery = nlohmann::json::parse(status.out)["kinds"][0];
  EXPECT_EQ(discovery["queue"], 2);
  EXPECT_GE(discovery["oldest_pending_age_s"].get<double>(), 300.0) << status.out;
  EXPECT_LT(discovery["oldest_pending_age_s"].get<double>(), 330.0) << status.out;
  EXPECT_NE(Ctl(config, "status --kind discovery").out.find(" 5m0"), std::string::npos);
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
    CommandOutput r = RunCommand(std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-agent --config " +
                                 config + " --workers '" + bad + "' 2>&1");
    EXPECT_EQ(r.exit_code, 2) << "--workers '" << bad << "': " << r.out;
    EXPECT_NE(r.out.find("must be an integer in 1..1024"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace panoptes::testing
