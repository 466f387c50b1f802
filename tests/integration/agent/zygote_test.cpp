// The worker zygote: workers forked from it (its imports shared), replaced from it, a plugin edit
// seen by running workers and by the zygote, the zygote's own death, and one inotify instance per
// agent. Against a real redis-server and the real panoptes-agent.

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "process/process.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

// A module that says which process imported it and which one runs it.
std::string OriginModule(const std::string& version) {
  return "import os\n"
         "from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricDimension,\n"
         "    PanoptesMetricsGroup, PanoptesMetricsGroupSet, PanoptesMetricType)\n"
         "from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin\n"
         "VERSION = '" +
         version +
         "'\n"
         "IMPORTED_BY = os.getpid()\n"
         "class OriginPlugin(PanoptesPollingPlugin):\n"
         "    def run(self, context):\n"
         "        group = PanoptesMetricsGroup(context.data, 'origin', 60)\n"
         "        group.add_dimension(PanoptesMetricDimension('version', VERSION))\n"
         "        group.add_dimension(PanoptesMetricDimension('imported_by', str(IMPORTED_BY)))\n"
         "        group.add_dimension(PanoptesMetricDimension('ran_by', str(os.getpid())))\n"
         "        group.add_metric(PanoptesMetric('value', 1, PanoptesMetricType.GAUGE))\n"
         "        groups = PanoptesMetricsGroupSet()\n"
         "        groups.add(group)\n"
         "        return groups\n";
}

class ZygoteTest : public AgentTest {
 protected:
  void WriteOrigin(const std::string& version) {
    std::string module = dir_.Write("modules/origin.py", OriginModule(version));
    dir_.Write("polling/origin.panoptes-plugin",
               "[Core]\nName = origin\nModule = " + module +
                   "\n\n[Documentation]\nAuthor = Panoptes C++ tests\nVersion = 1\n"
                   "Website = https://example.invalid/panoptes-tests\nDescription = Zygote test plugin.\n\n"
                   "[main]\nexecute_frequency = 1\nresource_filter = resource_class = \"network\"\n"
                   "time_limit = 10\n");
  }
  // Runs one task of `origin` on resource `id`; returns its dimensions (name -> value).
  std::map<std::string, std::string> RunOrigin(const std::string& id) {
    int64_t before = Int({"XLEN", Key("metrics:local")});
    Push(MakeTask("origin", TestResource(id)));
    EXPECT_TRUE(WaitUntil(
        [&] {
          return Int({"XLEN", Key("metrics:local")}) == before + 1;
        },
        seconds(20)))
        << AgentLog();
    redis::Reply last = Cmd({"XREVRANGE", Key("metrics:local"), "+", "-", "COUNT", "1"});
    std::map<std::string, std::string> dims;
    if (last.elements.empty()) return dims;
    auto group = model::ParseMetricsGroup(last.elements[0].elements[1].elements[1].str);
    EXPECT_TRUE(group.ok()) << group.status().ToString();
    if (group.ok()) {
      for (const auto& d : group->dimensions) dims[d.name] = d.value;
    }
    return dims;
  }
  static int Ppid(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(text.substr(close + 2));
    std::string state;
    int ppid = -1;
    rest >> state >> ppid;
    return ppid;
  }
  // inotify instances held by the agent and all its children.
  static int InotifyInstances(pid_t agent) {
    std::vector<pid_t> pids = AllChildren(agent);
    pids.push_back(agent);
    int n = 0;
    for (pid_t pid : pids) {
      std::error_code ec;
      for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        if (std::filesystem::read_symlink(fd.path(), link_ec).string() == "anon_inode:inotify") ++n;
      }
    }
    return n;
  }
};

TEST_F(ZygoteTest, WorkersAreForkedFromTheZygoteAndAKilledOneIsReplacedFromIt) {
  WriteOrigin("v1");
  pid_t agent = StartAgent(2);
  pid_t zygote = Zygote(agent);
  ASSERT_GT(zygote, 0) << "no zygote among the agent's children; log:\n" << AgentLog();
  auto first = RunOrigin("sw1");
  EXPECT_EQ(first["imported_by"], std::to_string(zygote)) << "the module was imported by the zygote";
  int worker = std::stoi(first["ran_by"]);
  EXPECT_EQ(Ppid(worker), agent) << "a worker is the supervisor's child, not the zygote's";

  ASSERT_TRUE(process::SendSignal(worker, SIGKILL).ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = Children(agent);
        return c.size() == 2 && std::find(c.begin(), c.end(), worker) == c.end();
      },
      seconds(5)))
      << AgentLog();
  EXPECT_EQ(Zygote(agent), zygote) << "the zygote is not restarted by a worker's death";
  // Both workers (the old and the replacement) run from the zygote's import, never their own.
  for (int i = 0; i < 4; ++i) {
    auto dims = RunOrigin("sw" + std::to_string(i + 2));
    EXPECT_EQ(dims["imported_by"], std::to_string(zygote));
    EXPECT_NE(dims["ran_by"], std::to_string(worker));
  }
  EXPECT_NE(AgentLog().find("zygote: 1 plugin module(s) imported"), std::string::npos) << AgentLog();
}

TEST_F(ZygoteTest, AnEditedModuleRunsInRunningWorkersAndInWorkersForkedAfterwards) {
  WriteOrigin("v1");
  pid_t agent = StartAgent(1);
  pid_t zygote = Zygote(agent);
  ASSERT_GT(zygote, 0);
  auto before = RunOrigin("sw1");
  ASSERT_EQ(before["version"], "v1");
  int worker = std::stoi(before["ran_by"]);
  // The edit, stamped clearly after the first run (mtimes come from the kernel's coarse clock).
  WriteOrigin("v2");
  std::filesystem::last_write_time(dir_.path() + "/modules/origin.py",
                                   std::filesystem::file_time_type::clock::now() + seconds(1));
  ASSERT_TRUE(
      WaitUntil([&] { return AgentLog().find("plugin files changed") != std::string::npos; }, seconds(10)))
      << AgentLog();
  auto edited = RunOrigin("sw2");
  EXPECT_EQ(edited["version"], "v2") << "the running worker re-imported the edited module";
  EXPECT_EQ(edited["ran_by"], std::to_string(worker));
  EXPECT_EQ(edited["imported_by"], std::to_string(worker)) << "re-imported by the worker itself";
  // The zygote saw the edit too: a worker forked now starts with v2 imported by the zygote.
  ASSERT_TRUE(WaitUntil([&] { return AgentLog().find("heap frozen") != AgentLog().rfind("heap frozen"); },
                        seconds(10)))
      << "the zygote did not re-import after the edit; log:\n"
      << AgentLog();
  ASSERT_TRUE(process::SendSignal(worker, SIGKILL).ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = Children(agent);
        return c.size() == 1 && c[0] != worker;
      },
      seconds(5)));
  auto forked = RunOrigin("sw3");
  EXPECT_EQ(forked["version"], "v2");
  EXPECT_EQ(forked["imported_by"], std::to_string(zygote));
}

TEST_F(ZygoteTest, AKilledZygoteIsRestartedWhileTheWorkersKeepServing) {
  WriteOrigin("v1");
  pid_t agent = StartAgent(2);
  pid_t zygote = Zygote(agent);
  ASSERT_GT(zygote, 0);
  std::vector<pid_t> workers = Children(agent);
  ASSERT_TRUE(process::SendSignal(zygote, SIGKILL).ok());
  pid_t next = -1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        next = Zygote(agent);
        return next > 0 && next != zygote;
      },
      seconds(5)))
      << AgentLog();
  std::vector<pid_t> after = Children(agent);
  std::sort(workers.begin(), workers.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, workers) << "the workers outlive their zygote";
  auto served = RunOrigin("sw1");
  EXPECT_EQ(served["imported_by"], std::to_string(zygote)) << "served by a worker of the first zygote";
  // A worker dying now is replaced from the new zygote.
  int worker = std::stoi(served["ran_by"]);
  ASSERT_TRUE(process::SendSignal(worker, SIGKILL).ok());
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = Children(agent);
        return c.size() == 2 && std::find(c.begin(), c.end(), worker) == c.end();
      },
      seconds(5)))
      << AgentLog();
  bool from_next = false;
  for (int i = 0; i < 6 && !from_next; ++i)
    from_next = RunOrigin("sw" + std::to_string(i + 2))["imported_by"] == std::to_string(next);
  EXPECT_TRUE(from_next) << "no run by a worker forked from the restarted zygote";
  EXPECT_EQ(StopAgent(agent), "exit code 0");
}

TEST_F(ZygoteTest, SighupReplacesTheZygoteThenTheWorkersFromTheNewOne) {
  WriteOrigin("v1");
  pid_t agent = StartAgent(1);
  pid_t zygote = Zygote(agent);
  ASSERT_GT(zygote, 0);
  int worker = std::stoi(RunOrigin("sw1")["ran_by"]);
  ASSERT_TRUE(process::SendSignal(agent, SIGHUP).ok());
  pid_t next = -1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        next = Zygote(agent);
        auto c = Children(agent);
        return next > 0 && next != zygote && c.size() == 1 && c[0] != worker;
      },
      seconds(10)))
      << AgentLog();
  auto dims = RunOrigin("sw2");
  EXPECT_EQ(dims["imported_by"], std::to_string(next)) << "the new worker was forked by the new zygote";
  EXPECT_EQ(StopAgent(agent), "exit code 0");
}

TEST_F(ZygoteTest, TheAgentHoldsOneInotifyInstanceWhateverItsWorkers) {
  WriteOrigin("v1");
  pid_t agent = StartAgent(6);
  ASSERT_GT(Zygote(agent), 0);
  RunOrigin("sw1");
  EXPECT_EQ(InotifyInstances(agent), 1);
}

}  // namespace
}  // namespace panoptes::testing
