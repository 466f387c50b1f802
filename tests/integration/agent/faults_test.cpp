// Faults, each against a real redis-server.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "process/process.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(AgentTest, WorkerKilledMidRunIsReplacedWithinASecondAndItsRunRecordedCrashed) {
  std::string runs = AddPlugin({"victim", "sleep", 60, 30, 20});
  pid_t agent = StartAgent(2);
  Task task = MakeTask("victim", TestResource("sw1"), 30);
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return RunningPid(runs) > 0; }, seconds(20))) << AgentLog();
  pid_t worker = RunningPid(runs);
  ASSERT_TRUE(process::SendSignal(worker, SIGKILL).ok());
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = Children(agent);
        return c.size() == 2 && std::find(c.begin(), c.end(), worker) == c.end();
      },
      seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, milliseconds(1000)) << "worker back within 1 s";
  ASSERT_TRUE(WaitUntil([&] { return Meta("victim", task)["last_status"] == "crashed"; }, seconds(5)))
      << AgentLog();
  EXPECT_EQ(Int({"EXISTS", redis::keys::Lock(prefix_, PluginKind::kPolling, config::NormalizedName("victim"),
                                             task.signature)}),
            0)
      << "lock released";
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0) << "a started run is recorded, not run again";
  // The guards still hold: the same task again is too soon, and nothing ran concurrently.
  Push(MakeTask("victim", TestResource("sw1"), 30));
  ASSERT_TRUE(WaitUntil([&] { return Int({"LLEN", Key("tasks:polling")}) == 0; }, seconds(5)));
  EXPECT_EQ(ReadRunLog(runs).size(), 1u);
}

TEST_F(AgentTest, RunPastItsTimeLimitIsKilledAndRecordedTimeoutOthersUnaffected) {
  AddPlugin({"sleeper", "sleep", 60, 1, 30});
  std::string ok_runs = AddPlugin({"bystander"});
  pid_t agent = StartAgent(2);
  Task slow = MakeTask("sleeper", TestResource("sw1"), 1);
  Push(slow);
  Task other = MakeTask("bystander", TestResource("sw2"));
  Push(other);
  ASSERT_TRUE(WaitUntil([&] { return Meta("bystander", other)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  ASSERT_TRUE(WaitUntil([&] { return Meta("sleeper", slow)["last_status"] == "timeout"; }, seconds(15)))
      << AgentLog();
  EXPECT_NE(Meta("sleeper", slow)["last_error"].find("time limit"), std::string::npos);
  EXPECT_EQ(Int({"EXISTS", redis::keys::Lock(prefix_, PluginKind::kPolling, config::NormalizedName("sleeper"),
                                             slow.signature)}),
            0);
  ASSERT_TRUE(WaitUntil([&] { return Children(agent).size() == 2; }, seconds(5))) << "worker replaced";
  Task after = MakeTask("bystander", TestResource("sw3"));
  Push(after);
  EXPECT_TRUE(WaitUntil([&] { return Meta("bystander", after)["last_status"] == "ok"; }, seconds(20)));
}

void ExpectCrashRecordedAndWorkerReplaced(AgentTest& t, pid_t agent, const std::string& plugin,
                                          const Task& task,
                                          const std::function<std::map<std::string, std::string>()>& meta) {
  ASSERT_TRUE(WaitUntil([&] { return meta()["last_status"] == "crashed"; }, seconds(20))) << t.AgentLog();
  EXPECT_NE(meta()["last_error"].find("worker process ended"), std::string::npos) << meta()["last_error"];
  EXPECT_TRUE(WaitUntil([&] { return AgentTest::Children(agent).size() == 2; }, seconds(5)));
  (void)plugin;
  (void)task;
}

TEST_F(AgentTest, SegfaultingPluginIsRecordedCrashedAndItsWorkerReplaced) {
  AddPlugin({"segv_plugin", "segv"});
  std::string ok_runs = AddPlugin({"fine_plugin"});
  pid_t agent = StartAgent(2);
  Task task = MakeTask("segv_plugin", TestResource("sw1"));
  Push(task);
  ExpectCrashRecordedAndWorkerReplaced(*this, agent, "segv_plugin", task,
                                       [&] { return Meta("segv_plugin", task); });
  EXPECT_NE(Meta("segv_plugin", task)["last_error"].find("signal 11"), std::string::npos);
  EXPECT_EQ(Int({"EXISTS", redis::keys::Lock(prefix_, PluginKind::kPolling,
                                             config::NormalizedName("segv_plugin"), task.signature)}),
            0);
  Task after = MakeTask("fine_plugin", TestResource("sw2"));
  Push(after);
  EXPECT_TRUE(WaitUntil([&] { return Meta("fine_plugin", after)["last_status"] == "ok"; }, seconds(20)));
}

TEST_F(AgentTest, PluginCallingOsExitIsRecordedCrashedAndItsWorkerReplaced) {
  AddPlugin({"exit_plugin", "exit"});
  pid_t agent = StartAgent(2);
  Task task = MakeTask("exit_plugin", TestResource("sw1"));
  Push(task);
  ExpectCrashRecordedAndWorkerReplaced(*this, agent, "exit_plugin", task,
                                       [&] { return Meta("exit_plugin", task); });
  EXPECT_NE(Meta("exit_plugin", task)["last_error"].find("exit code 3"), std::string::npos);
}

TEST_F(AgentTest, SurvivesRedisStoppedForTenSecondsAndResumes) {
  AddPlugin({"steady"});
  pid_t agent = StartAgent(2);
  Task before = MakeTask("steady", TestResource("sw1"));
  Push(before);
  ASSERT_TRUE(WaitUntil([&] { return Meta("steady", before)["last_status"] == "ok"; }, seconds(20)));
  auto workers = Children(agent);
  redis_.Stop();
  std::this_thread::sleep_for(seconds(10));  // the fault itself: Redis down for 10 s
  ASSERT_TRUE(redis_.Start());
  EXPECT_EQ(process::SendSignal(agent, 0).code(), StatusCode::kOk) << "the agent stayed up";
  Task after = MakeTask("steady", TestResource("sw2"));
  Push(after);
  ASSERT_TRUE(WaitUntil([&] { return Meta("steady", after)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  EXPECT_EQ(Children(agent), workers) << "no worker died of the outage";
}

TEST_F(AgentTest, TwoAgentsFedDuplicatesNeverRunConcurrentlyNorTooOften) {
  std::string runs = AddPlugin({"dup", "sleep", 1, 10, 0.3});
  StartAgent(2);
  http_port_ = FreeLoopbackPort();  // the second agent's own /metrics (the same port would stop it)
  WriteConfig();
  StartAgent(2);
  // Duplicates for the same plugin/resource, fed for ~4 s (a burst every 50 ms).
  auto end = std::chrono::steady_clock::now() + seconds(4);
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 4; ++i) Push(MakeTask("dup", TestResource("sw1")));
    std::this_thread::sleep_for(milliseconds(50));  // pacing of the producer, not a synchronisation
  }
  ASSERT_TRUE(WaitUntil([&] { return Int({"LLEN", Key("tasks:polling")}) == 0; }, seconds(20)));
  ASSERT_TRUE(WaitUntil([&] { return ReadRunLog(runs).size() % 2 == 0; }, seconds(10)));
  auto lines = ReadRunLog(runs);
  ASSERT_GE(lines.size(), 4u) << "several runs over 4 s with execute_frequency 1";
  std::vector<std::pair<double, double>> intervals;
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    ASSERT_EQ(lines[i].what, "start");
    ASSERT_EQ(lines[i + 1].what, "end") << "a run started before the previous one ended: concurrent runs";
    intervals.push_back({lines[i].time, lines[i + 1].time});
  }
  // The tasks are due each second (scheduled_for in whole seconds): at most one run per period,
  // never two less than half a period apart (docs/agent.md, "The frequency guard").
  for (size_t i = 1; i < intervals.size(); ++i) {
    EXPECT_GE(intervals[i].first, intervals[i - 1].second) << "overlapping runs";
    // Less 50 ms: the plugin logs its start a little after the worker stamps it, by a varying delay.
    EXPECT_GE(intervals[i].first - intervals[i - 1].first, 0.45) << "runs closer than half a period";
  }
  EXPECT_LE(intervals.size(), 6u);
}

}  // namespace
}  // namespace panoptes::testing
