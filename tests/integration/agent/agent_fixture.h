#pragma once
// Fixture of the agent's integration tests: a real redis-server, a temp dir with a site config and
// test plugins (tests/fixtures/agent_plugins/behave.py), panoptes-agent run as a program, and
// helpers to push tasks and read P:meta, logs and the agent's worker pids.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "panoptes/model.h"
#include "redis/client.h"
#include "support/child_process.h"
#include "support/redis_server.h"

namespace panoptes::testing {

// GET `path` from 127.0.0.1:`port` (HTTP/1.0): the whole response, or "" when nothing answers.
// With `timeout_ms` > 0 each read waits at most that long (a stalled server fails the test instead
// of hanging it), and what came until then is returned.
std::string HttpGet(int port, const std::string& path, int timeout_ms = 0);

// Runs `panoptes-ctl <args> --config <config> --log-level error`: its exit code, stdout and stderr.
using CtlOutput = CommandOutput;
CtlOutput Ctl(const std::string& config, const std::string& args);

struct TestPlugin {
  std::string name;
  std::string mode = "ok";  // ok | sleep | segv | exit
  int frequency = 60;
  double time_limit = 10;
  double sleep_s = 1;
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 public:
  // Writes the plugin file into <dir>/polling; returns the path of its run log.
  std::string AddPlugin(const TestPlugin& plugin) { return AddPlugin(plugin, ""); }
  // The same with `extra` appended to the plugin file (e.g. a [limits] section).
  std::string AddPlugin(const TestPlugin& plugin, const std::string& extra);
  // Writes <dir>/panoptes.ini (`extra_agent`: more "key = value" lines for [agent]).
  std::string WriteConfig(const std::string& extra_agent = "", const std::string& polling_paths = "");
  // Starts panoptes-agent --kind polling --workers N; its log goes to <dir>/agent-<n>.log.
  pid_t StartAgent(int workers = 2, const std::string& kind = "polling");
  // Writes <dir>/panoptes.ini for the shipped example plugins (examples/plugins/<kind> of each
  // kind), `redis_extra` lines added to its [redis], and starts one agent of all kinds on it.
  void StartExamplesAgent(const std::string& redis_extra = "");
  // Pushes `task` and waits (30 s) until its run of `plugin` is recorded ok; the failure names the
  // run's error and holds the agent's log.
  ::testing::AssertionResult RunsOk(const std::string& plugin, const Task& task);
  // Runs the example discovery (Host Discovery From JSON, which finds this host) through the agent:
  // the one resource it stored, or nullopt (with a test failure saying why).
  std::optional<Resource> DiscoverExampleHost();
  // SIGTERM and wait (bounded); returns the exit status description.
  std::string StopAgent(pid_t pid, int timeout_ms = 20000);
  std::string AgentLog(int n = 0) const;

  static Resource TestResource(const std::string& id);
  // A valid task for `plugin` (its signature computed from the Name and resource).
  Task MakeTask(const std::string& plugin, const std::optional<Resource>& resource, double time_limit = 10,
                PluginKind kind = PluginKind::kPolling);
  void Push(const Task& task);
  void PushRaw(const std::string& raw, PluginKind kind = PluginKind::kPolling);

  std::map<std::string, std::string> Meta(const std::string& plugin, const Task& task);
  std::string Key(const std::string& suffix) const { return prefix_ + ":" + suffix; }
  redis::Reply Cmd(const std::vector<std::string>& argv);
  int64_t Int(const std::vector<std::string>& argv);
  // "start"/"end" lines of a plugin run log: {what, time, pid}.
  struct LogLine {
    std::string what;
    double time;
    int pid;
  };
  static std::vector<LogLine> ReadRunLog(const std::string& path);
  // The pid of the worker that logged the last line of the run log `runs` (-1: none yet).
  static int RunningPid(const std::string& runs);
  // The agent's workers (its children but the zygote and the Redis courier), every child, its
  // zygote and its courier (-1: none).
  static std::vector<pid_t> Children(pid_t pid);
  static std::vector<pid_t> AllChildren(pid_t pid);
  static pid_t Zygote(pid_t pid);
  static pid_t Courier(pid_t pid);

  RedisServer redis_;
  TempDir dir_;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
  std::string config_path_;
  std::string redis_where_;  // the [redis] lines naming the server (e.g. sentinels); empty: redis_
  std::vector<pid_t> agents_;
  int http_port_ = 0;
};

}  // namespace panoptes::testing
