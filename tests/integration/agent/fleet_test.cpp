// 1,024 workers in one agent, the largest count documented (docs/agent.md, "How many workers"):
// every worker starts and waits for tasks within a bounded time and each takes a task, and the
// limits that grow with the workers hold: the supervisor and the zygote keep a few descriptors
// whatever the count, the agent one inotify instance, Redis one connection per worker (under its
// maxclients), the worker board a slot per worker (its counters reach /metrics). Against a real
// redis-server and the real panoptes-agent; run alone (RUN_SERIAL): 1,024 processes.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "process/process.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

constexpr int kWorkers = 1024;

// Descriptors open in `pid`, and how many of them are inotify instances.
struct Fds {
  int all = 0, inotify = 0;
};
Fds FdsOf(pid_t pid) {
  Fds out;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    ++out.all;
    std::error_code link_ec;
    if (std::filesystem::read_symlink(fd.path(), link_ec).string() == "anon_inode:inotify") ++out.inotify;
  }
  return out;
}

// One field of the redis-server's INFO (e.g. "blocked_clients"), -1 when absent.
int64_t InfoField(AgentTest& t, const std::string& section, const std::string& field) {
  std::string text = t.Cmd({"INFO", section}).str;
  auto at = text.find("\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::strtoll(text.c_str() + at + field.size() + 2, nullptr, 10);
}

class FleetTest : public AgentTest {
 protected:
  // The test's own client waits up to 30 s for a reply (the fixture's waits 3 s): while 1,024
  // workers start and take tasks on a loaded 2-core machine, redis-server can leave a reply
  // unsent that long, and a timed-out XLEN poll failed a fresh-clone CI run.
  void SetUp() override {
    AgentTest::SetUp();
    if (HasFatalFailure()) return;
    RedisConfig patient = redis_.Config(prefix_);
    patient.io_timeout_ms = 30000;
    client_ = std::make_unique<redis::Client>(patient, "agent-test");
  }

  // The fixture's config with the default heartbeat period and lifetime (1 s, 10 s): the
  // fixture's quick ones (200 ms, 1 s) would have 1,024 workers taken for dead whenever the
  // loaded machine delays a heartbeat by a second while the agent forks them.
  void WriteFleetConfig() {
    config_path_ = dir_.Write(
        "panoptes.ini", "[main]\nsites = local\nplugins_skew = 0\n\n[redis]\nhost = 127.0.0.1\nport = " +
                            std::to_string(redis_.port()) + "\nkey_prefix = " + prefix_ +
                            "\nio_timeout_ms = 5000\n\n[polling]\nplugins_paths = " + dir_.path() +
                            "/polling\n\n[agent]\nheartbeat_interval_ms = 1000\nheartbeat_ttl_ms = 10000\n"
                            "shutdown_grace_s = 10\n\n[http]\nagent_listen = 127.0.0.1:" +
                            std::to_string(http_port_) + "\nscheduler_listen = 127.0.0.1:0\n");
  }
};

TEST_F(FleetTest, AnAgentWith1024WorkersStartsThemAllAndEachTakesATask) {
  redis::Reply maxclients = Cmd({"CONFIG", "GET", "maxclients"});
  ASSERT_EQ(maxclients.elements.size(), 2u);
  ASSERT_GE(std::stoi(maxclients.elements[1].str), kWorkers + 16)
      << "redis-server's maxclients (lowered at its start to its RLIMIT_NOFILE minus 32) is under the "
         "1,024 workers' connections plus a few: raise the open-files limit (ulimit -n) of the test run";

  // Each run waits 10 s: every one of the 1,024 tasks is running on its own worker before the first
  // ends (a task taken by a worker that just took one is handed back after 100 ms).
  std::string runs = AddPlugin({"nap", "sleep", 60, 60, 10});
  WriteFleetConfig();
  auto spawned =
      process::Spawn({std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-agent", "--config", config_path_,
                      "--kind", "polling", "--workers", std::to_string(kWorkers), "--log-level", "info"},
                     dir_.path() + "/agent-0.log");
  ASSERT_TRUE(spawned.ok()) << spawned.status().ToString();
  pid_t agent = *spawned;
  agents_.push_back(agent);

  // Every worker forked, registered and blocked in BLMOVE on the queue.
  auto start = std::chrono::steady_clock::now();
  std::string workers_key = redis::keys::AgentWorkers(prefix_, PluginKind::kPolling);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return static_cast<int>(Children(agent).size()) == kWorkers &&
               Int({"SCARD", workers_key}) == kWorkers &&
               InfoField(*this, "clients", "blocked_clients") >= kWorkers;
      },
      seconds(150), "1,024 workers forked, registered and waiting for tasks"))
      << "children " << Children(agent).size() << ", registered " << Int({"SCARD", workers_key})
      << ", blocked " << InfoField(*this, "clients", "blocked_clients") << "; log tail:\n"
      << AgentLog().substr(AgentLog().size() > 3000 ? AgentLog().size() - 3000 : 0);
  auto ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("seconds_to_ready", std::to_string(ready_s));

  // What grows with the workers stays outside the supervisor and the zygote.
  Fds supervisor = FdsOf(agent), zygote = FdsOf(Zygote(agent));
  EXPECT_LE(supervisor.all, 32) << "the supervisor holds no descriptor per worker";
  EXPECT_LE(zygote.all, 16) << "nor does the zygote";
  int inotify = supervisor.inotify + zygote.inotify;
  for (pid_t w : Children(agent)) inotify += FdsOf(w).inotify;
  EXPECT_EQ(inotify, 1) << "one inotify instance per agent (fs.inotify.max_user_instances is 128 by default)";
  int64_t clients = InfoField(*this, "clients", "connected_clients");
  EXPECT_GE(clients, kWorkers + 1) << "a connection per worker and the courier's";
  EXPECT_LE(clients, kWorkers + 8) << "and no more than a few besides";

  // 1,024 tasks, each for its own resource, pushed by one LPUSH: Redis hands them to the blocked
  // workers at once.
  std::string queue = Key("tasks:polling");
  redis::Args push{"LPUSH", queue};
  for (int i = 0; i < kWorkers; ++i)
    push.push_back(model::SerializeTask(MakeTask("nap", TestResource("sw" + std::to_string(i)), 60)));
  ASSERT_TRUE(client_->Command(push).ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Int({"XLEN", Key("metrics:local")}) == kWorkers;
      },
      seconds(90), "a metrics group from each of the 1,024 tasks"))
      << Int({"XLEN", Key("metrics:local")}) << " groups; queue " << Int({"LLEN", queue});

  // Each worker ran exactly one of them.
  std::set<int> ran_by;
  int starts = 0;
  for (const auto& line : ReadRunLog(runs)) {
    if (line.what != "start") continue;
    ++starts;
    ran_by.insert(line.pid);
  }
  EXPECT_EQ(starts, kWorkers);
  std::set<int> workers;
  for (pid_t w : Children(agent)) workers.insert(w);
  EXPECT_EQ(ran_by, workers) << "every worker took a task";

  // The board has a slot per worker: every run's outcome reaches /metrics through it.
  std::string metrics;
  EXPECT_TRUE(WaitUntil(
      [&] {
        metrics = HttpGet(http_port_, "/metrics");
        return metrics.find("panoptes_agent_tasks_total{kind=\"polling\",outcome=\"ok\"} 1024\n") !=
               std::string::npos;
      },
      seconds(10), "1,024 ok runs in /metrics"))
      << metrics.substr(0, 4000);
  EXPECT_NE(metrics.find("panoptes_agent_workers_alive{kind=\"polling\"} 1024\n"), std::string::npos);

  EXPECT_EQ(StopAgent(agent, 90000), "exit code 0")
      << AgentLog().substr(AgentLog().size() > 3000 ? AgentLog().size() - 3000 : 0);
  EXPECT_EQ(Int({"SCARD", workers_key}), 0) << "every worker unregistered at the stop";
}

}  // namespace
}  // namespace panoptes::testing
