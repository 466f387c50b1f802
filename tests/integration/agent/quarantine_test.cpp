// Quarantine and freshness through panoptes-agent and panoptes-ctl on a real redis-server: a pair
// failing quarantine_after times in a row is skipped, shown by ctl status, last-runs and /metrics,
// and runs again after ctl unquarantine; a plugin whose import kills the worker is quarantined as
// a whole after one crash; a pair without an ok result is reported stale.

#include <sys/time.h>

#include <nlohmann/json.hpp>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

nlohmann::json Json(const CtlOutput& o) {
  return nlohmann::json::parse(o.out, nullptr, false);
}

// Whether /metrics holds the line `series value`.
bool MetricIs(int port, const std::string& series, const std::string& value) {
  return HttpGet(port, "/metrics").find(series + " " + value + "\n") != std::string::npos;
}

class QuarantineTest : public AgentTest {
 protected:
  // Pushes a task for `plugin` as if its last run were a frequency (60 s) ago, so that the
  // frequency guard lets it through (still after the plugin file was written: the code did not
  // change since), then waits until the agent acknowledged it.
  void PushDue(const Task& task, const std::string& plugin) {
    std::string meta =
        redis::keys::Meta(prefix_, PluginKind::kPolling, config::NormalizedName(plugin), task.signature);
    double now = std::stod(Cmd({"TIME"}).elements[0].str);
    // The same task again: its last run a period back, and no last_scheduled (else the guard's
    // rule by periods would call a task of the same period too soon).
    if (Int({"EXISTS", meta}) == 1) {
      Cmd({"HSET", meta, "last_executed", std::to_string(now - 61)});
      Cmd({"HDEL", meta, "last_scheduled"});
    }
    Push(task);
    ASSERT_TRUE(WaitUntil(
        [&] {
          return Int({"LLEN", Key("tasks:polling")}) == 0 && InFlight() == 0;
        },
        seconds(20)))
        << AgentLog();
  }
  // Dates the plugin file `name` an hour back: its code is older than any run the test makes.
  void AgePluginFile(const std::string& name) {
    std::string file = dir_.path() + "/polling/" + name + ".panoptes-plugin";
    timeval times[2];
    gettimeofday(&times[0], nullptr);
    times[0].tv_sec -= 3600;
    times[1] = times[0];
    ASSERT_EQ(utimes(file.c_str(), times), 0) << file;
  }
  int64_t InFlight() {
    int64_t n = 0;
    for (const auto& w : Cmd({"KEYS", Key("agent:inflight:*")}).elements) n += Int({"LLEN", w.str});
    return n;
  }
};

TEST_F(QuarantineTest, FailingPairIsQuarantinedShownAndRunsAgainAfterUnquarantine) {
  std::string runs = AddPlugin({"q_plugin", "raise", 60});
  AgePluginFile("q_plugin");
  std::string config = WriteConfig("quarantine_after = 2\nquarantine_backoff_max_s = 600");
  StartAgent(1);
  Task task = MakeTask("q_plugin", TestResource("sw1"));
  PushDue(task, "q_plugin");
  ASSERT_TRUE(WaitUntil([&] { return Meta("q_plugin", task)["failures"] == "1"; }, seconds(20)))
      << AgentLog();
  EXPECT_EQ(Meta("q_plugin", task).count("quarantined_until"), 0u) << "one failure is not enough";
  PushDue(task, "q_plugin");
  ASSERT_TRUE(WaitUntil([&] { return Meta("q_plugin", task)["failures"] == "2"; }, seconds(20)))
      << AgentLog();
  ASSERT_EQ(Meta("q_plugin", task).count("quarantined_until"), 1u);
  double now = std::stod(Cmd({"TIME"}).elements[0].str);
  EXPECT_NEAR(std::stod(Meta("q_plugin", task)["quarantined_until"]) - now, 120, 5)
      << "twice the frequency at the quarantine_after-th failure";

  PushDue(task, "q_plugin");
  const std::string skipped = "panoptes_agent_tasks_skipped_total{kind=\"polling\",reason=\"quarantined\"}";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(http_port_, skipped, "1"); }, seconds(10)))
      << HttpGet(http_port_, "/metrics");
  EXPECT_EQ(ReadRunLog(runs).size(), 2u) << "the quarantined task did not run (one start line per run)";
  const std::string gauge = "panoptes_agent_quarantined_pairs{kind=\"polling\",plugin=\"q__plugin\"}";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(http_port_, gauge, "1"); }, seconds(10)))
      << HttpGet(http_port_, "/metrics");

  auto status = Json(Ctl(config, "status --kind polling --json"));
  ASSERT_TRUE(status.is_object()) << Ctl(config, "status --kind polling --json").out;
  const auto& q = status["kinds"][0]["health"]["quarantined"];
  ASSERT_EQ(q.size(), 1u) << status.dump();
  EXPECT_EQ(q[0]["plugin"], "q_plugin");
  EXPECT_EQ(q[0]["resource_id"], "sw1");
  EXPECT_EQ(q[0]["signature"], task.signature);
  EXPECT_EQ(q[0]["failures"], 2);
  EXPECT_FALSE(q[0]["whole_plugin"].get<bool>());
  EXPECT_NE(q[0]["last_error"].get<std::string>().find("failing on purpose"), std::string::npos);
  CtlOutput text = Ctl(config, "status --kind polling");
  EXPECT_NE(text.out.find("QUARANTINED"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("failing on purpose"), std::string::npos) << text.out;

  auto run = Json(Ctl(config, "last-runs --plugin q_plugin --json"));
  ASSERT_TRUE(run.is_object());
  EXPECT_EQ(run["failures"], 2);
  EXPECT_TRUE(run["quarantined"].get<bool>());
  EXPECT_TRUE(run["quarantined_until"].is_number());
  EXPECT_TRUE(run["last_ok"].is_null());

  CtlOutput lifted = Ctl(config, "unquarantine q_plugin sw1");
  EXPECT_EQ(lifted.exit_code, 0) << lifted.out;
  EXPECT_NE(lifted.out.find("ended 1 quarantine"), std::string::npos) << lifted.out;
  EXPECT_EQ(Meta("q_plugin", task).count("failures"), 0u);
  PushDue(task, "q_plugin");
  ASSERT_TRUE(WaitUntil([&] { return ReadRunLog(runs).size() == 3u; }, seconds(20))) << "it runs again";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(http_port_, gauge, "0"); }, seconds(10)))
      << "the gauge returns to 0 once the quarantine ended";
  EXPECT_EQ(Json(Ctl(config, "unquarantine q_plugin sw1 --json"))["lifted"], 0) << "nothing left to end";
}

TEST_F(QuarantineTest, PairWithoutAnOkResultIsReportedStale) {
  AddPlugin({"stale_plugin", "raise", 1});
  std::string config = WriteConfig("quarantine_after = 0\nstale_after_cycles = 1");
  StartAgent(1);
  Task task = MakeTask("stale_plugin", TestResource("sw5"));
  PushDue(task, "stale_plugin");
  const std::string gauge = "panoptes_agent_stale_pairs{kind=\"polling\",plugin=\"stale__plugin\"}";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(http_port_, gauge, "1"); }, seconds(15)))
      << "stale 1 frequency after its first run without an ok result\n"
      << HttpGet(http_port_, "/metrics");
  auto status = Json(Ctl(config, "status --kind polling --json"));
  const auto& stale = status["kinds"][0]["health"]["stale"];
  ASSERT_EQ(stale.size(), 1u) << status.dump();
  EXPECT_EQ(stale[0]["plugin"], "stale_plugin");
  EXPECT_EQ(stale[0]["resource_id"], "sw5");
  EXPECT_EQ(stale[0]["last_status"], "error");
  EXPECT_TRUE(stale[0]["last_ok"].is_null());
  CtlOutput text = Ctl(config, "status --kind polling");
  EXPECT_NE(text.out.find("never ok"), std::string::npos) << text.out;
}

// A plugin whose module kills the interpreter at import (`module`): one worker dies, then the
// plugin is quarantined as a whole and its other tasks are skipped without importing it.
void ExpectImportCrashQuarantinesThePlugin(QuarantineTest& t, const std::string& module) {
  t.dir_.Write("polling/crash_plugin.panoptes-plugin",
               "[Core]\nName = crash_plugin\nModule = " + std::string(PANOPTES_SOURCE_DIR) +
                   "/tests/fixtures/agent_plugins/" + module +
                   "\n[Documentation]\nAuthor = t\nVersion = 1\nWebsite = https://example.invalid\n"
                   "Description = crashes at import\n[main]\nexecute_frequency = 60\n"
                   "resource_filter = resource_class = \"network\"\ntime_limit = 10\n");
  std::string config = t.WriteConfig();
  t.StartAgent(1);
  for (const char* id : {"sw1", "sw2", "sw3"})
    t.Push(t.MakeTask("crash_plugin", AgentTest::TestResource(id)));
  const std::string skipped = "panoptes_agent_tasks_skipped_total{kind=\"polling\",reason=\"quarantined\"}";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(t.http_port_, skipped, "2"); }, seconds(30)))
      << t.AgentLog() << HttpGet(t.http_port_, "/metrics");
  EXPECT_TRUE(MetricIs(t.http_port_,
                       "panoptes_agent_worker_restarts_total{kind=\"polling\",reason=\"crashed\"}", "1"))
      << "one worker lost, not one per task\n"
      << HttpGet(t.http_port_, "/metrics");
  EXPECT_NE(t.AgentLog().find("died importing plugin crash__plugin"), std::string::npos) << t.AgentLog();
  EXPECT_NE(t.AgentLog().find("importing its module kills the process"), std::string::npos)
      << "the zygote tried it in a probe child and left it out\n"
      << t.AgentLog();
  std::string pq = redis::keys::PluginQuarantine(t.prefix_, PluginKind::kPolling, "crash__plugin");
  EXPECT_EQ(t.Cmd({"HGET", pq, "failures"}).str, "1");
  Task first = t.MakeTask("crash_plugin", AgentTest::TestResource("sw1"));
  EXPECT_EQ(t.Meta("crash_plugin", first)["last_status"], "crashed");
  const std::string gauge = "panoptes_agent_plugin_quarantined{kind=\"polling\",plugin=\"crash__plugin\"}";
  ASSERT_TRUE(WaitUntil([&] { return MetricIs(t.http_port_, gauge, "1"); }, seconds(10)));
  auto status = Json(Ctl(config, "status --kind polling --json"));
  bool whole = false;
  for (const auto& q : status["kinds"][0]["health"]["quarantined"])
    whole = whole || q["whole_plugin"].get<bool>();
  EXPECT_TRUE(whole) << status.dump();

  CtlOutput lifted = Ctl(config, "unquarantine crash_plugin --json");
  EXPECT_EQ(lifted.exit_code, 0) << lifted.out;
  EXPECT_GE(Json(lifted)["lifted"].get<int>(), 1) << lifted.out;
  EXPECT_EQ(t.Int({"EXISTS", pq}), 0);
}

TEST_F(QuarantineTest, PluginWhoseImportSegfaultsIsQuarantinedAsAWhole) {
  ExpectImportCrashQuarantinesThePlugin(*this, "crash_on_import.py");
}

TEST_F(QuarantineTest, PluginWhoseImportCallsOsExitIsQuarantinedAsAWhole) {
  ExpectImportCrashQuarantinesThePlugin(*this, "exit_on_import.py");
}

}  // namespace
}  // namespace panoptes::testing
