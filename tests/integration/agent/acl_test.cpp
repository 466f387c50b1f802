// The Redis ACL users of config/redis-acl.conf on a real redis-server: panoptes-agent runs the
// shipped example plugins (discovery, enrichment, polling) as the agent user, from the schedule of
// panoptes-scheduler running as the scheduler user; the read-only ctl user reads but cannot write;
// no role but the operator's can write secrets; a daemon given a role without the rights it needs
// says which command Redis refused and why. (The consumer's user: tests/integration/consumer.)

#include <signal.h>

#include <fstream>
#include <sstream>

#include "integration/agent/agent_fixture.h"
#include "process/process.h"
#include "resources/store.h"
#include "support/redis_acl.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

RedisConfig As(RedisConfig c, const std::string& role) {
  return AsAclUser(std::move(c), role);
}

// A daemon of the test (panoptes-scheduler), SIGKILLed at the end of the scope.
struct Daemon {
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  pid_t pid = -1;
  std::string log;
  ~Daemon() {
    if (pid > 0) {
      (void)process::SendSignal(pid, SIGKILL);
      process::WaitFor(pid, 5000);
    }
  }
  std::string Log() const {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

TEST_F(AgentTest, AclAgentUserRunsTheExamplePluginsAndCtlUserOnlyReads) {
  ASSERT_EQ(ApplyAclFile(*client_, prefix_), 4) << "scheduler, agent, ctl, consumer";
  std::string pw = dir_.Write("agent.pw", "agent-pw\n");
  StartExamplesAgent("username = panoptes-agent\npassword_file = " + pw + "\n");
  std::optional<Resource> host = DiscoverExampleHost();
  ASSERT_TRUE(host);
  ASSERT_TRUE(RunsOk("Host Metrics", MakeTask("Host Metrics", *host, 30, PluginKind::kPolling)));
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

// Plugin files of the shipped discovery-from-JSON and a test polling plugin, due every 2 s (the
// examples' frequencies are 60 s and more), and the site config logging in as `role`.
std::string ScheduledConfig(AgentTest& t, const std::string& role) {
  std::string src = PANOPTES_SOURCE_DIR;
  std::string doc =
      "[Documentation]\nAuthor = t\nVersion = 1\nWebsite = https://example.invalid\nDescription = t\n\n";
  t.dir_.Write("acl/discovery/json.panoptes-plugin",
               "[Core]\nName = ACL Discovery\nModule = " + src + "/plugins/discovery_from_json_file\n\n" +
                   doc + "[main]\nexecute_frequency = 2\nresource_ttl = 900\nconfig_file = " + src +
                   "/examples/plugins/discovery/localhost.json\n");
  t.dir_.Write("acl/polling/poll.panoptes-plugin",
               "[Core]\nName = ACL Polling\nModule = " + src + "/tests/fixtures/agent_plugins/behave\n\n" +
                   doc + "[main]\nexecute_frequency = 2\nresource_filter = resource_class = \"system\"\n");
  return t.dir_.Write(
      role + ".ini",
      "[main]\nsites = local\n\n[redis]\nhost = 127.0.0.1\nport = " + std::to_string(t.redis_.port()) +
          "\nkey_prefix = " + t.prefix_ + "\nreconnect_max_backoff_ms = 200\n" +
          AclUserIni(t.dir_.path(), role) + "\n[discovery]\nplugins_paths = " + t.dir_.path() +
          "/acl/discovery\n\n[polling]\nplugins_paths = " + t.dir_.path() +
          "/acl/polling\n\n[agent]\nheartbeat_interval_ms = 200\n\n[scheduler]\n"
          "leader_ttl_ms = 1000\n\n[http]\nagent_listen = 127.0.0.1:0\nscheduler_listen = 127.0.0.1:0\n");
}

void StartScheduler(AgentTest& t, const std::string& role, Daemon& d) {
  d.log = t.dir_.path() + "/scheduler-" + role + ".log";
  auto pid = process::Spawn({std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-scheduler", "--config",
                             ScheduledConfig(t, role), "--log-level", "debug"},
                            d.log);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  d.pid = pid.ok() ? *pid : -1;
}

TEST_F(AgentTest, AclSchedulerAndAgentUsersDiscoverAndPollFromTheSchedule) {
  ASSERT_EQ(ApplyAclFile(*client_, prefix_), 4);
  Daemon scheduler;
  StartScheduler(*this, "scheduler", scheduler);
  config_path_ = ScheduledConfig(*this, "agent");
  StartAgent(1, "discovery");
  StartAgent(1, "polling");
  resources::ResourceStore store(*client_, prefix_);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto found = store.List();
        return found.ok() && found->size() == 1u;
      },
      seconds(30), "the scheduled discovery stores this host"))
      << scheduler.Log() << AgentLog();
  Resource host = (*store.List())[0];
  Task poll = MakeTask("ACL Polling", host);
  ASSERT_TRUE(WaitUntil([&] { return Meta("ACL Polling", poll)["last_status"] == "ok"; }, seconds(30),
                        "the scheduled poll of this host is ok"))
      << scheduler.Log() << AgentLog(1) << Meta("ACL Polling", poll)["last_error"];
  EXPECT_GT(Int({"XLEN", Key("metrics:local")}), 0);
  EXPECT_FALSE(Cmd({"GET", Key("leader:polling")}).str.empty()) << "the scheduler leads as its user";
  EXPECT_EQ(scheduler.Log().find("NOPERM"), std::string::npos) << scheduler.Log();
  EXPECT_EQ(AgentLog(0).find("NOPERM"), std::string::npos) << AgentLog(0);
  EXPECT_EQ(AgentLog(1).find("NOPERM"), std::string::npos) << AgentLog(1);
}

TEST_F(AgentTest, AclADaemonWithoutTheRightsItNeedsSaysWhatRedisRefused) {
  ASSERT_EQ(ApplyAclFile(*client_, prefix_), 4);
  Daemon scheduler;
  StartScheduler(*this, "ctl", scheduler);  // the read-only user cannot take the leadership
  ASSERT_TRUE(WaitUntil([&] { return scheduler.Log().find("NOPERM") != std::string::npos; }, seconds(20),
                        "the refusal in the scheduler's log"))
      << scheduler.Log();
  std::string log = scheduler.Log();
  EXPECT_NE(log.find("cannot take the leadership"), std::string::npos) << log;
  EXPECT_NE(log.find("SET: NOPERM this user has no permissions to run the 'set' command"), std::string::npos)
      << "the command and Redis' reason: " << log;
  EXPECT_EQ(
      log.find("polling: cannot take the leadership", log.find("polling: cannot take the leadership") + 1),
      std::string::npos)
      << "said once, not at every retry: " << log;
  EXPECT_TRUE(Cmd({"GET", Key("leader:polling")}).str.empty()) << "nothing was written";
}

}  // namespace
}  // namespace panoptes::testing
