// The Redis ACL users of config/redis-acl.conf on a real redis-server: panoptes-agent runs the
// shipped example plugins (discovery, enrichment, polling) as the agent user; the read-only ctl
// user reads but cannot write; no role but the operator's can write secrets.

#include <fstream>
#include <sstream>

#include "integration/agent/agent_fixture.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

// Applies every `user` line of config/redis-acl.conf with ACL SETUSER, for key prefix `prefix`
// and the password `<role>-pw` for each role.
void ApplyAclFile(redis::Client& admin, const std::string& prefix) {
  std::ifstream in(std::string(PANOPTES_SOURCE_DIR) + "/config/redis-acl.conf");
  ASSERT_TRUE(in) << "config/redis-acl.conf";
  std::string line;
  int users = 0;
  while (std::getline(in, line)) {
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
    ASSERT_TRUE(r.ok()) << line << ": " << r.status().ToString();
    ++users;
  }
  EXPECT_EQ(users, 4) << "scheduler, agent, ctl, consumer";
}

RedisConfig As(RedisConfig c, const std::string& role) {
  c.username = "panoptes-" + role;
  c.password = role + "-pw";
  return c;
}

TEST_F(AgentTest, AclAgentUserRunsTheExamplePluginsAndCtlUserOnlyReads) {
  ApplyAclFile(*client_, prefix_);
  std::string examples = std::string(PANOPTES_SOURCE_DIR) + "/examples/plugins";
  std::string pw = dir_.Write("agent.pw", "agent-pw\n");
  config_path_ = dir_.Write(
      "panoptes.ini",
      "[main]\nsites = local\n\n[redis]\nhost = 127.0.0.1\nport = " + std::to_string(redis_.port()) +
          "\nkey_prefix = " + prefix_ + "\nusername = panoptes-agent\npassword_file = " + pw +
          "\n\n[discovery]\nplugins_paths = " + examples + "/discovery\n\n[enrichment]\nplugins_paths = " +
          examples + "/enrichment\n\n[polling]\nplugins_paths = " + examples +
          "/polling\n\n[agent]\nheartbeat_interval_ms = 200\n\n[http]\nagent_listen = 127.0.0.1:0\n");
  StartAgent(1, "all");

  Task discover = MakeTask("Host Discovery From JSON", std::nullopt, 30, PluginKind::kDiscovery);
  Push(discover);
  ASSERT_TRUE(WaitUntil([&] { return Meta("Host Discovery From JSON", discover)["last_status"] == "ok"; },
                        seconds(30)))
      << AgentLog() << Meta("Host Discovery From JSON", discover)["last_error"];
  resources::ResourceStore store(*client_, prefix_);
  auto found = store.List();
  ASSERT_TRUE(found.ok() && found->size() == 1u) << found.status().ToString();
  Task poll = MakeTask("Host Metrics", (*found)[0], 30, PluginKind::kPolling);
  Push(poll);
  ASSERT_TRUE(WaitUntil([&] { return Meta("Host Metrics", poll)["last_status"] == "ok"; }, seconds(30)))
      << AgentLog() << Meta("Host Metrics", poll)["last_error"];
  EXPECT_GT(Int({"XLEN", Key("metrics:local")}), 0);

  redis::Client ctl(As(redis_.Config(prefix_), "ctl"), "acl-ctl");
  EXPECT_TRUE(ctl.Command({"HGETALL", Key("resources:data")}).ok()) << "the read-only user reads";
  auto push = ctl.Command({"LPUSH", Key("tasks:polling"), "{}"});
  ASSERT_FALSE(push.ok());
  EXPECT_NE(push.status().message().find("NOPERM"), std::string::npos) << push.status().message();
  redis::Client agent(As(redis_.Config(prefix_), "agent"), "acl-agent");
  EXPECT_TRUE(agent.Command({"GET", Key("secrets:snmp")}).ok()) << "the agent reads secrets";
  EXPECT_FALSE(agent.Command({"SET", Key("secrets:snmp"), "x"}).ok()) << "but does not write them";
  EXPECT_FALSE(agent.Command({"FLUSHALL"}).ok());
  redis::Client scheduler(As(redis_.Config(prefix_), "scheduler"), "acl-scheduler");
  EXPECT_FALSE(scheduler.Command({"GET", Key("secrets:snmp")}).ok())
      << "the scheduler has no use for secrets";
  EXPECT_TRUE(scheduler.Command({"SET", Key("leader:polling"), "me", "PX", "1000"}).ok());
  EXPECT_FALSE(scheduler.Command({"SET", "other:key", "x"}).ok()) << "nothing outside the prefix";
}

}  // namespace
}  // namespace panoptes::testing
