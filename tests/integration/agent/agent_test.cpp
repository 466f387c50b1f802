// The agent's normal paths: execution and outputs, the guards, dead letters, the reaper, graceful
// stop and /metrics.

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "process/process.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(AgentTest, ExecutesAPollingTaskAndStoresMetricsMetaAndAck) {
  std::string runs = AddPlugin({"ok_plugin"});
  StartAgent(2);
  Task task = MakeTask("ok_plugin", TestResource("sw1"));
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return Meta("ok_plugin", task)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  auto meta = Meta("ok_plugin", task);
  EXPECT_FALSE(meta["last_executed"].empty());
  EXPECT_FALSE(meta["last_results"].empty());
  EXPECT_EQ(meta["last_error"], "");
  EXPECT_GT(Int({"TTL", redis::keys::Meta(prefix_, PluginKind::kPolling, config::NormalizedName("ok_plugin"),
                                          task.signature)}),
            6 * 24 * 3600);
  redis::Reply entries = Cmd({"XRANGE", Key("metrics:local"), "-", "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  const redis::Reply& fields = entries.elements[0].elements[1];
  ASSERT_EQ(fields.elements[0].str, "data");
  auto group = model::ParseMetricsGroup(fields.elements[1].str);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->group_type, "behave");
  EXPECT_EQ(group->resource.id, "sw1");
  EXPECT_EQ(Int({"EXISTS", redis::keys::Lock(prefix_, PluginKind::kPolling,
                                             config::NormalizedName("ok_plugin"), task.signature)}),
            0)
      << "lock released";
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0);
  redis::Reply workers = Cmd({"SMEMBERS", Key("agent:workers:polling")});
  ASSERT_EQ(workers.elements.size(), 2u);
  for (const auto& w : workers.elements) {
    EXPECT_EQ(Int({"LLEN", Key("agent:inflight:" + w.str)}), 0) << "acknowledged";
  }
  EXPECT_EQ(ReadRunLog(runs).size(), 2u);
}

TEST_F(AgentTest, SkipsARunSoonerThanExecuteFrequency) {
  std::string runs = AddPlugin({"freq_plugin", "ok", 60});
  StartAgent(2);
  Task first = MakeTask("freq_plugin", TestResource("sw1"));
  Push(first);
  ASSERT_TRUE(WaitUntil([&] { return Meta("freq_plugin", first)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  for (int i = 0; i < 5; ++i) Push(MakeTask("freq_plugin", TestResource("sw1")));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HttpGet(http_port_, "/metrics")
                   .find("panoptes_agent_tasks_skipped_total{kind=\"polling\",reason=\"too soon\"} 5") !=
               std::string::npos;
      },
      seconds(20)))
      << HttpGet(http_port_, "/metrics");
  EXPECT_EQ(ReadRunLog(runs).size(), 2u) << "one run (start + end)";
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0);
}

TEST_F(AgentTest, DeadLettersMalformedUnknownWrongSignatureAndWrongKindTasks) {
  AddPlugin({"real_plugin"});
  StartAgent(1);
  PushRaw("{not json");
  Task unknown = MakeTask("../../../tmp/evil", TestResource("sw1"));
  Push(unknown);
  Task wrong = MakeTask("real_plugin", TestResource("sw1"));
  wrong.signature = std::string(32, '0');
  Push(wrong);
  Task enrichment = MakeTask("real_plugin", TestResource("sw1"), 10, PluginKind::kEnrichment);
  PushRaw(model::SerializeTask(enrichment), PluginKind::kPolling);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Int({"LLEN", Key("deadletter:polling")}) == 4;
      },
      seconds(20)))
      << AgentLog();
  redis::Reply letters = Cmd({"LRANGE", Key("deadletter:polling"), "0", "-1"});
  std::string all;
  for (const auto& l : letters.elements) {
    auto j = nlohmann::json::parse(l.str);
    EXPECT_TRUE(j.contains("task") && j.contains("reason") && j.contains("at")) << l.str;
    all += j["reason"].get<std::string>() + "\n";
  }
  EXPECT_NE(all.find("invalid: "), std::string::npos) << all;
  EXPECT_NE(all.find("unknown plugin: "), std::string::npos) << all;
  EXPECT_NE(all.find("signature: "), std::string::npos) << all;
  EXPECT_NE(all.find("kind: "), std::string::npos) << all;
  EXPECT_TRUE(Meta("real_plugin", wrong).empty()) << "nothing ran";
}

TEST_F(AgentTest, DropsAnExpiredTask) {
  std::string runs = AddPlugin({"late_plugin"});
  StartAgent(1);
  Task task = MakeTask("late_plugin", TestResource("sw1"));
  task.expires_at = task.scheduled_for - 1;
  Push(task);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return HttpGet(http_port_, "/metrics")
                   .find("panoptes_agent_tasks_expired_total{kind=\"polling\"} 1") != std::string::npos;
      },
      seconds(20)));
  EXPECT_TRUE(ReadRunLog(runs).empty());
}

TEST_F(AgentTest, ReaperRequeuesTheTaskOfADeadWorkerThatHadNotStarted) {
  std::string runs = AddPlugin({"orphan_plugin"});
  Task task = MakeTask("orphan_plugin", TestResource("sw9"));
  // A worker of a vanished agent: registered, a task in flight, no heartbeat, nothing started.
  Cmd({"SADD", Key("agent:workers:polling"), "gone-host:1:polling:0:0"});
  Cmd({"LPUSH", Key("agent:inflight:gone-host:1:polling:0:0"), model::SerializeTask(task)});
  StartAgent(1);
  ASSERT_TRUE(WaitUntil([&] { return Meta("orphan_plugin", task)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  EXPECT_EQ(Int({"SISMEMBER", Key("agent:workers:polling"), "gone-host:1:polling:0:0"}), 0);
  EXPECT_EQ(Int({"EXISTS", Key("agent:inflight:gone-host:1:polling:0:0")}), 0);
}

TEST_F(AgentTest, ReaperRecordsTimeoutForAStartedTaskOfADeadWorkerOnceItsLockEnded) {
  AddPlugin({"started_plugin"});
  Task task = MakeTask("started_plugin", TestResource("sw8"));
  std::string wid = "gone-host:2:polling:0:0";
  std::string lock = redis::keys::Lock(prefix_, PluginKind::kPolling,
                                       config::NormalizedName("started_plugin"), task.signature);
  std::string meta = redis::keys::Meta(prefix_, PluginKind::kPolling,
                                       config::NormalizedName("started_plugin"), task.signature);
  Cmd({"SADD", Key("agent:workers:polling"), wid});
  Cmd({"LPUSH", Key("agent:inflight:" + wid), model::SerializeTask(task)});
  auto locked_at = std::chrono::steady_clock::now();
  Cmd({"SET", lock, "tok", "PX", "2000"});
  Cmd({"HSET", Key("agent:running:" + wid), "lock", lock, "meta", meta, "token", "tok", "task", task.id});
  StartAgent(1);
  ASSERT_TRUE(
      WaitUntil([&] { return Meta("started_plugin", task)["last_status"] == "timeout"; }, seconds(20)))
      << AgentLog();
  EXPECT_GE(std::chrono::steady_clock::now() - locked_at, std::chrono::milliseconds(1900))
      << "not reaped while its lock lived: the worker may have been stopped, not dead";
  EXPECT_NE(Meta("started_plugin", task)["last_error"].find("lock's lifetime"), std::string::npos);
  EXPECT_EQ(Int({"EXISTS", lock}), 0);
  EXPECT_EQ(Int({"SISMEMBER", Key("agent:workers:polling"), wid}), 0) << "unregistered";
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0) << "a started task is not run again";
}

TEST_F(AgentTest, SigtermLetsTheRunningPluginFinishThenExitsCleanly) {
  std::string runs = AddPlugin({"slow_plugin", "sleep", 60, 20, 1.5});
  pid_t agent = StartAgent(1);
  Task task = MakeTask("slow_plugin", TestResource("sw1"));
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return ReadRunLog(runs).size() == 1; }, seconds(20))) << AgentLog();
  EXPECT_EQ(StopAgent(agent), "exit code 0") << AgentLog();
  EXPECT_EQ(Meta("slow_plugin", task)["last_status"], "ok") << "the run finished within shutdown_grace_s";
  EXPECT_EQ(ReadRunLog(runs).size(), 2u);
}

TEST_F(AgentTest, ServesMetricsAndHealth) {
  AddPlugin({"m_plugin"});
  StartAgent(1);
  Task task = MakeTask("m_plugin", TestResource("sw1"));
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return Meta("m_plugin", task)["last_status"] == "ok"; }, seconds(20)));
  std::string metrics;
  ASSERT_TRUE(WaitUntil(
      [&] {
        metrics = HttpGet(http_port_, "/metrics");
        return metrics.find("panoptes_agent_tasks_total{kind=\"polling\",outcome=\"ok\"} 1") !=
               std::string::npos;
      },
      seconds(10)))
      << metrics;
  EXPECT_NE(metrics.find("panoptes_agent_task_start_lateness_seconds_count{kind=\"polling\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("panoptes_agent_run_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("panoptes_agent_queue_depth{kind=\"polling\"}"), std::string::npos);
  EXPECT_NE(metrics.find("panoptes_agent_workers_alive{kind=\"polling\"} 1"), std::string::npos);
  EXPECT_NE(HttpGet(http_port_, "/healthz").find("200 OK"), std::string::npos);
}

}  // namespace
}  // namespace panoptes::testing

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

TEST_F(AgentTest, EditedPluginFileTakesEffectAtItsNextRunEvenWithinItsFrequency) {
  AddPlugin({"edited", "ok", 3600});
  StartAgent(1);
  Task first = MakeTask("edited", TestResource("sw5"));
  Push(first);
  ASSERT_TRUE(WaitUntil([&] { return Int({"XLEN", Key("metrics:local")}) == 1; }, seconds(20))) << AgentLog();
  // Same plugin/resource within its 3600 s frequency: only allowed because the file changed.
  AddPlugin({"edited", "sleep", 3600, 10, 0.01});
  // File mtimes come from the kernel's coarse clock and may lag Redis' TIME by a few ms: stamp the
  // edit clearly after the first run, as any real edit would be.
  std::filesystem::last_write_time(dir_.path() + "/polling/edited.panoptes-plugin",
                                   std::filesystem::file_time_type::clock::now() + std::chrono::seconds(1));
  // The agent's one watch (its zygote's) tells the workers as soon as it wakes on the event.
  ASSERT_TRUE(
      WaitUntil([&] { return AgentLog().find("plugin files changed") != std::string::npos; }, seconds(10)))
      << AgentLog();
  Task second = MakeTask("edited", TestResource("sw5"));
  Push(second);
  ASSERT_TRUE(WaitUntil([&] { return Int({"XLEN", Key("metrics:local")}) == 2; }, seconds(20))) << AgentLog();
  redis::Reply last = Cmd({"XREVRANGE", Key("metrics:local"), "+", "-", "COUNT", "1"});
  auto group = model::ParseMetricsGroup(last.elements[0].elements[1].elements[1].str);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  ASSERT_EQ(group->dimensions.size(), 1u);
  EXPECT_EQ(group->dimensions[0].value, "sleep") << "the second run used the edited plugin file";
}

}  // namespace
}  // namespace panoptes::testing

namespace panoptes::testing {
namespace {

TEST_F(AgentTest, WorkerIsRecycledAfterMaxTasksPerWorkerWithoutLosingTasks) {
  std::string runs = AddPlugin({"recycled"});
  WriteConfig("max_tasks_per_worker = 2");
  StartAgent(1);
  std::vector<Task> tasks;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(MakeTask("recycled", TestResource("r" + std::to_string(i))));
    Push(tasks.back());
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        return std::all_of(tasks.begin(), tasks.end(),
                           [&](const Task& t) { return Meta("recycled", t)["last_status"] == "ok"; });
      },
      std::chrono::seconds(30)))
      << AgentLog();
  std::set<int> pids;
  for (const auto& line : ReadRunLog(runs)) pids.insert(line.pid);
  EXPECT_GE(pids.size(), 3u) << "one worker, 2 tasks each: 6 tasks need at least 3 worker processes";
}

// A worker takes the next task while guarding the current one; when the current run lasts long the
// supervisor puts the prefetched task back on the queue, so it does not wait behind that run.
TEST_F(AgentTest, PrefetchedTaskIsHandedBackWhileALongRunLasts) {
  AddPlugin({"slow", "sleep", 60, 10, 3});
  AddPlugin({"fast"});
  StartAgent(1);
  Task slow = MakeTask("slow", TestResource("s1"));
  Task fast = MakeTask("fast", TestResource("f1"));
  // One LPUSH: the slow task (at the consuming end) is taken first, the fast one is then prefetched.
  Cmd({"LPUSH", Key("tasks:polling"), model::SerializeTask(slow), model::SerializeTask(fast)});
  ASSERT_TRUE(WaitUntil([&] { return !Meta("slow", slow)["last_executed"].empty(); }, seconds(20)))
      << AgentLog();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Int({"LLEN", Key("tasks:polling")}) == 1 && Meta("slow", slow)["last_status"].empty();
      },
      seconds(2), "the fast task back on the queue while the slow run lasts"))
      << AgentLog();
  ASSERT_TRUE(WaitUntil([&] { return Meta("fast", fast)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  EXPECT_EQ(Meta("slow", slow)["last_status"], "ok");
  std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("panoptes_agent_prefetch_handed_back_total{kind=\"polling\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 0);
}

// While the queue holds other tasks no worker waits for one: the prefetched task stays with its
// worker (a hand-back would only put it before them). Once the queue is empty, the supervisor's
// next pass hands it back, while the long run still lasts.
TEST_F(AgentTest, PrefetchedTaskStaysWhileTheQueueHoldsOthersThenIsHandedBack) {
  AddPlugin({"slow", "sleep", 60, 10, 3});
  AddPlugin({"fast"});
  StartAgent(1);
  Task slow = MakeTask("slow", TestResource("s1"));
  Task fast = MakeTask("fast", TestResource("f1"));
  Task other = MakeTask("fast", TestResource("f2"));
  // The slow task is taken first, the fast one prefetched; the other stays on the queue.
  Cmd({"LPUSH", Key("tasks:polling"), model::SerializeTask(slow), model::SerializeTask(fast),
       model::SerializeTask(other)});
  ASSERT_TRUE(WaitUntil([&] { return !Meta("slow", slow)["last_executed"].empty(); }, seconds(20)))
      << AgentLog();
  // An observation window, not a synchronisation: the hold (100 ms) and a few board polls (50 ms).
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(Meta("slow", slow)["last_status"].empty()) << "the slow run (3 s) still lasts";
  EXPECT_EQ(Int({"LLEN", Key("tasks:polling")}), 1) << "nothing handed back while the queue holds a task";
  // Another agent's worker takes the other task: the queue is empty.
  ASSERT_EQ(Cmd({"RPOP", Key("tasks:polling")}).str, model::SerializeTask(other));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Int({"LLEN", Key("tasks:polling")}) == 1 && Meta("slow", slow)["last_status"].empty();
      },
      seconds(2), "the fast task back on the queue while the slow run lasts"))
      << AgentLog();
  EXPECT_EQ(Cmd({"LINDEX", Key("tasks:polling"), "0"}).str, model::SerializeTask(fast));
  ASSERT_TRUE(WaitUntil([&] { return Meta("fast", fast)["last_status"] == "ok"; }, seconds(20)))
      << AgentLog();
  std::string metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.find("panoptes_agent_prefetch_handed_back_total{kind=\"polling\"} 1"), std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace panoptes::testing
