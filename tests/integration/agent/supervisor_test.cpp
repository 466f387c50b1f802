// The supervisor against real redis-servers: its Redis work off its event loop (a Redis brownout),
// a SIGHUP that moves it to another Redis, the privilege drop and the workers' rlimits.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "process/process.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

TEST_F(AgentTest, RedisBrownoutStallsNeitherTimeLimitKillsNorHealthzAndLosesNoReap) {
  std::string runs = AddPlugin({"overrun", "sleep", 60, 1, 30});
  pid_t agent = StartAgent(2);
  Task task = MakeTask("overrun", TestResource("sw1"), 1);
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return RunningPid(runs) > 0; }, seconds(20), "the plugin starts"))
      << AgentLog();
  pid_t worker = RunningPid(runs);
  auto started = Clock::now();
  ASSERT_EQ(kill(redis_.pid(), SIGSTOP), 0);  // the brownout: connections open, no answers
  // Killed at its 1 s limit (SIGTERM ends a run at once), not after the supervisor's Redis calls.
  EXPECT_TRUE(WaitUntil([&] { return !Alive(worker); }, seconds(3), "the run is killed at its time limit"));
  EXPECT_LT(Clock::now() - started, milliseconds(2500)) << "killed within 1.5 s of its limit";
  // Past the io timeout (3 s), /healthz says Redis is not answering, and says it at once.
  std::string health;
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto asked = Clock::now();
        health = HttpGet(http_port_, "/healthz", 500);
        EXPECT_LT(Clock::now() - asked, milliseconds(500)) << "/healthz answered within 0.5 s";
        return health.find("503") != std::string::npos;
      },
      seconds(10), "/healthz reports the brownout"))
      << health;
  EXPECT_NE(health.find("redis"), std::string::npos) << health;
  EXPECT_TRUE(WaitUntil([&] { return Children(agent).size() == 2; }, seconds(5), "the worker is replaced"));
  ASSERT_EQ(kill(redis_.pid(), SIGCONT), 0);
  // The reap waited in the courier: the run is recorded as what it was, and its lock released.
  ASSERT_TRUE(WaitUntil([&] { return Meta("overrun", task)["last_status"] == "timeout"; }, seconds(15),
                        "the run is recorded timeout after the brownout"))
      << AgentLog();
  EXPECT_EQ(Int({"EXISTS", redis::keys::Lock(prefix_, PluginKind::kPolling, config::NormalizedName("overrun"),
                                             task.signature)}),
            0);
  EXPECT_TRUE(
      WaitUntil([&] { return HttpGet(http_port_, "/healthz", 1000).find("200 OK") != std::string::npos; },
                seconds(10), "/healthz recovers"));
  EXPECT_TRUE(Alive(agent));
}

TEST_F(AgentTest, CourierKilledIsRestartedAndItsJobsDone) {
  AddPlugin({"crasher", "segv"});
  pid_t agent = StartAgent(1);
  pid_t courier = Courier(agent);
  ASSERT_GT(courier, 0) << "the agent has a Redis courier process";
  ASSERT_EQ(kill(courier, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] { return Courier(agent) > 0 && Courier(agent) != courier; }, seconds(5),
                        "a new courier"));
  Task task = MakeTask("crasher", TestResource("sw1"));
  Push(task);
  EXPECT_TRUE(WaitUntil([&] { return Meta("crasher", task)["last_status"] == "crashed"; }, seconds(20),
                        "the crash is recorded through the new courier"))
      << AgentLog();
}

TEST_F(AgentTest, SighupWithAnotherRedisMovesWorkersAndSupervisor) {
  RedisServer second;
  ASSERT_TRUE(second.Start());
  AddPlugin({"crasher", "segv"});
  pid_t agent = StartAgent(2);
  auto old_workers = Children(agent);
  std::string workers_key = redis::keys::AgentWorkers(prefix_, PluginKind::kPolling);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Int({"SCARD", workers_key}) == 2;
      },
      seconds(5), "registered on the first"));
  std::stringstream read;
  read << std::ifstream(config_path_).rdbuf();
  std::string ini = read.str();
  std::string from = "port = " + std::to_string(redis_.port()) + "\n";
  ini.replace(ini.find(from), from.size(), "port = " + std::to_string(second.port()) + "\n");
  dir_.Write("panoptes.ini", ini);
  ASSERT_EQ(kill(agent, SIGHUP), 0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto now = Children(agent);
        if (now.size() != 2) return false;
        for (pid_t p : now)
          if (std::find(old_workers.begin(), old_workers.end(), p) != old_workers.end()) return false;
        return true;
      },
      seconds(20), "the workers are replaced"))
      << AgentLog();
  // The old workers' ends were handled on the first server, the new ones register on the second.
  EXPECT_TRUE(WaitUntil([&] { return Int({"SCARD", workers_key}) == 0; }, seconds(10), "old workers gone"));
  auto on_second = [&](const std::vector<std::string>& argv) { return second.Cli(argv); };
  EXPECT_TRUE(WaitUntil(
      [&] {
        return on_second({"SCARD", workers_key}) == "2";
      },
      seconds(10), "the supervisor registers the new workers on the second server"))
      << on_second({"SCARD", workers_key});
  // A crash on the second server is recorded there: the supervisor's reaps moved too.
  Task task = MakeTask("crasher", TestResource("sw1"));
  std::string raw = model::SerializeTask(task);
  ASSERT_EQ(on_second({"LPUSH", redis::keys::Tasks(prefix_, PluginKind::kPolling), raw}), "1");
  std::string meta =
      redis::keys::Meta(prefix_, PluginKind::kPolling, config::NormalizedName("crasher"), task.signature);
  EXPECT_TRUE(WaitUntil(
      [&] {
        return on_second({"HGET", meta, "last_status"}) == "crashed";
      },
      seconds(20), "the crash is recorded on the second server"))
      << AgentLog();
  EXPECT_NE(AgentLog().find("[redis] changed"), std::string::npos);
}

}  // namespace
}  // namespace panoptes::testing
