// panoptes-scheduler as a process against a real redis-server : plugins added,
// changed and deleted in a watched directory; broken plugins rejected with the reason; discovery
// results turning into polling entries; leader failover keeping the cadence; SIGTERM handing
// leadership over at once. Code validation runs real embedded Python in the scheduler's children.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/scheduler/daemon_process.h"
#include "model/json.h"
#include "redis/keys.h"
#include "resources/store.h"
#include "scheduler/redis_schedule_store.h"
#include "support/child_process.h"
#include "support/redis_server.h"

namespace panoptes::scheduler {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/scheduler_plugins";

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    config_ = server_.Config();
    client_ = std::make_unique<redis::Client>(config_, "test");
    for (const char* kind : {"discovery", "enrichment", "polling"})
      fs::create_directories(dir_.path() + "/" + kind);
  }

  std::string WriteConfig(int leader_ttl_ms = 1000, const std::string& discovery_dir = "discovery") {
    std::ostringstream ini;
    ini << "[main]\nsites = dc1\n[redis]\nport = " << server_.port()
        << "\nkey_prefix = " << config_.key_prefix << "\n[scheduler]\nleader_ttl_ms = " << leader_ttl_ms
        << "\nimport_timeout_s = 2\n"
        << "[http]\nscheduler_listen = 127.0.0.1:0\n";
    for (std::string kind : {"discovery", "enrichment", "polling"}) {
      std::string dir = kind == "discovery" ? discovery_dir : kind;
      ini << "[" << kind << "]\nplugins_paths = " << dir_.path() << "/" << dir
          << "\nplugin_scan_interval = 60\n";
    }
    return dir_.Write("panoptes.ini", ini.str());
  }

  // A plugin file `<kind>/<name>.panoptes-plugin` using fixture module `module` (copied next to it).
  std::string AddPlugin(const std::string& kind, const std::string& name, const std::string& module,
                        int frequency, const std::string& filter = "") {
    fs::copy_file(kFixtures + "/" + module + ".py", dir_.path() + "/" + kind + "/" + module + ".py",
                  fs::copy_options::overwrite_existing);
    std::ostringstream text;
    text << "[Core]\nName = " << name << "\nModule = " << module << "\n[Documentation]\nDescription = test\n"
         << "[main]\nexecute_frequency = " << frequency << "\n";
    if (!filter.empty()) text << "resource_filter = " << filter << "\n";
    return dir_.Write(kind + "/" + name + ".panoptes-plugin", text.str());
  }

  std::vector<ListedEntry> Schedule(PluginKind kind) {
    auto list = RedisScheduleStore(*client_, config_.key_prefix, kind).List();
    return list.ok() ? *list : std::vector<ListedEntry>{};
  }
  const ListedEntry* Find(const std::vector<ListedEntry>& entries, const std::string& needle) {
    for (const ListedEntry& e : entries) {
      if (e.task_prefix.find(needle) != std::string::npos) return &e;
    }
    return nullptr;
  }
  // The pid in the leader key's token "<host>:<pid>:<random>", or 0.
  pid_t LeaderPid(PluginKind kind) {
    auto r = client_->Command({"GET", redis::keys::Leader(config_.key_prefix, kind)});
    if (!r.ok() || r->IsNil()) return 0;
    std::string token = r->str;
    size_t a = token.find(':'), b = token.rfind(':');
    return a == b ? 0 : std::stoi(token.substr(a + 1, b - a - 1));
  }
  std::string Log(const std::string& name) {
    std::ifstream in(dir_.path() + "/" + name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string LogPath(const std::string& name) { return dir_.path() + "/" + name; }

  testing::RedisServer server_;
  testing::TempDir dir_;
  RedisConfig config_;
  std::unique_ptr<redis::Client> client_;
};

TEST_F(DaemonTest, PluginDroppedIntoAWatchedDirectoryIsScheduledWithinASecondThenChangedThenDeleted) {
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "discovery");
  ASSERT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kDiscovery) == daemon.pid(); }, 10s,
                                 "the scheduler becomes leader"));
  ASSERT_TRUE(
      testing::WaitUntil([&] { return Log("scheduler.log").find("schedule rebuilt") != std::string::npos; },
                         10s, "the first scan and rebuild"));
  std::string file = AddPlugin("discovery", "dropped", "good_discovery", 30);
  EXPECT_TRUE(testing::WaitUntil([&] { return Find(Schedule(PluginKind::kDiscovery), "dropped") != nullptr; },
                                 1s, "the dropped plugin is scheduled within a second"))
      << Log("scheduler.log");

  AddPlugin("discovery", "dropped", "good_discovery", 7);
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto s = Schedule(PluginKind::kDiscovery);
        const ListedEntry* e = Find(s, "dropped");
        return e && e->frequency_ms == 7000;
      },
      2s, "the new frequency is in the schedule"));
  auto entry = Find(Schedule(PluginKind::kDiscovery), "dropped");
  ASSERT_NE(entry, nullptr);
  int64_t now = *RedisScheduleStore(*client_, config_.key_prefix, PluginKind::kDiscovery).ServerTimeMs();
  EXPECT_LE(entry->next_due_ms, now + 7000 + 250)
      << "a new frequency must restart the cadence within the new period (+ the 250 ms write margin)";

  fs::remove(file);
  EXPECT_TRUE(testing::WaitUntil([&] { return Find(Schedule(PluginKind::kDiscovery), "dropped") == nullptr; },
                                 2s, "the deleted plugin leaves the schedule"));
  EXPECT_EQ(daemon.Terminate(), 0);
}

TEST_F(DaemonTest, BrokenFileAndBrokenModulesAreRejectedWithTheReasonWhileTheRestRuns) {
  AddPlugin("discovery", "good", "good_discovery", 1);
  AddPlugin("discovery", "syntax", "syntax_error", 1);
  AddPlugin("discovery", "crasher", "crash_at_import", 1);
  AddPlugin("discovery", "hanger", "hang_at_import", 1);
  dir_.Write("discovery/nofreq.panoptes-plugin",
             "[Core]\nName = nofreq\nModule = good_discovery\n[Documentation]\nDescription = x\n[main]\n");
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "discovery");
  std::string tasks = redis::keys::Tasks(config_.key_prefix, PluginKind::kDiscovery);
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto n = client_->Command({"LLEN", tasks});
        return n.ok() && n->integer >= 2;
      },
      15s, "the good plugin's tasks are pushed"))
      << Log("scheduler.log");
  auto schedule = Schedule(PluginKind::kDiscovery);
  EXPECT_EQ(schedule.size(), 1u);
  EXPECT_NE(Find(schedule, "\"good\""), nullptr);
  std::string log = Log("scheduler.log");
  auto mentions = [&](const std::string& file, const std::string& reason) {
    std::string prefix = "plugin " + dir_.path() + "/discovery/" + file + " not scheduled: ";
    size_t at = log.find(prefix);
    return at != std::string::npos && log.find(reason, at) < log.find('\n', at);
  };
  EXPECT_TRUE(mentions("syntax.panoptes-plugin", "line 4")) << log;
  EXPECT_TRUE(mentions("crasher.panoptes-plugin", "crashed")) << log;
  EXPECT_TRUE(mentions("hanger.panoptes-plugin", "did not finish within 2 s")) << log;
  EXPECT_TRUE(mentions("nofreq.panoptes-plugin", "execute_frequency")) << log;
  EXPECT_EQ(daemon.Terminate(), 0);
}

Resource MakeResource(const std::string& id, const std::string& cls) {
  Resource r;
  r.site = "dc1";
  r.class_ = cls;
  r.subclass = "s";
  r.type = "t";
  r.id = id;
  r.endpoint = id + ".example";
  r.plugin = "disco";
  return r;
}

TEST_F(DaemonTest, DiscoveredResourcesGetPollingEntriesAndVanishedOnesLoseThem) {
  AddPlugin("polling", "poller", "good_polling", 60, "resource_class = \"network\"");
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "polling");
  ASSERT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kPolling) == daemon.pid(); }, 10s,
                                 "the scheduler becomes leader"));
  redis::Client writer(config_, "discovery-writer");
  resources::ResourceStore store(writer, config_.key_prefix);
  ASSERT_TRUE(store
                  .PutDiscovered("disco",
                                 {MakeResource("sw1", "network"), MakeResource("sw2", "network"),
                                  MakeResource("host1", "host")},
                                 3600)
                  .ok());
  auto resource_ids = [&] {
    std::set<std::string> ids;
    for (const ListedEntry& e : Schedule(PluginKind::kPolling)) {
      auto task = nlohmann::json::parse(e.task_prefix.substr(0, e.task_prefix.size() - 1) + "}");
      ids.insert(task["resource"]["resource_id"].get<std::string>());
    }
    return ids;
  };
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return resource_ids() == std::set<std::string>{"sw1", "sw2"};
      },
      5s, "polling entries for the two network resources"))
      << Log("scheduler.log");
  ASSERT_TRUE(store.PutDiscovered("disco", {MakeResource("sw2", "network")}, 3600).ok());
  EXPECT_TRUE(testing::WaitUntil([&] { return resource_ids() == std::set<std::string>{"sw2"}; }, 5s,
                                 "the vanished resource's entry is removed"));
  EXPECT_EQ(daemon.Terminate(), 0);
}

TEST_F(DaemonTest, EditOfOnePluginFileRebuildsOnlyThatPluginsEntries) {
  AddPlugin("polling", "one", "good_polling", 60, "resource_class = \"network\"");
  AddPlugin("polling", "two", "good_polling", 60, "resource_class = \"network\"");
  redis::Client writer(config_, "discovery-writer");
  resources::ResourceStore store(writer, config_.key_prefix);
  ASSERT_TRUE(
      store.PutDiscovered("disco", {MakeResource("sw1", "network"), MakeResource("sw2", "network")}, 3600)
          .ok());
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "polling");
  auto frequencies = [&] {
    std::multiset<int64_t> out;
    for (const ListedEntry& e : Schedule(PluginKind::kPolling)) out.insert(e.frequency_ms);
    return out;
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return frequencies().size() == 4; }, 10s, "4 entries of 2 plugins"))
      << Log("scheduler.log");
  AddPlugin("polling", "two", "good_polling", 120, "resource_class = \"network\"");
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return frequencies() == std::multiset<int64_t>{60000, 60000, 120000, 120000};
      },
      5s, "plugin two's entries at its new frequency, plugin one's kept"))
      << Log("scheduler.log");
  // The rebuild logs after its writes, so the line may trail the entries by a moment.
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return Log("scheduler.log").find("schedule rebuilt for 1 plugin(s) in") != std::string::npos; },
      5s, "the edit's rebuild of only the edited plugin's entries"))
      << Log("scheduler.log");
  EXPECT_NE(Log("scheduler.log").find("0 added, 0 updated, 2 rescheduled, 0 removed"), std::string::npos);
  EXPECT_EQ(daemon.Terminate(), 0);
}

// Records every task pushed onto a list: entry id -> (receive times, scheduled_for values).
class TaskRecorder {
 public:
  TaskRecorder(const RedisConfig& config, std::string list)
      : client_(config, "recorder"), list_(std::move(list)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~TaskRecorder() {
    stop_ = true;
    thread_.join();
  }
  struct Runs {
    std::vector<Clock::time_point> received;
    std::vector<double> scheduled_for;
  };
  std::map<std::string, Runs> Snapshot() {
    std::lock_guard lock(mu_);
    return runs_;
  }
  size_t MinRuns() {
    std::lock_guard lock(mu_);
    size_t min = runs_.empty() ? 0 : SIZE_MAX;
    for (auto& [id, r] : runs_) min = std::min(min, r.received.size());
    return min;
  }

 private:
  void Loop() {
    while (!stop_) {
      auto r = client_.Blocking({"BRPOP", list_, "0.2"}, 200ms);
      if (!r.ok() || r->IsNil() || r->elements.size() != 2) continue;
      auto task = model::ParseTask(r->elements[1].str);
      if (!task.ok()) continue;
      std::string entry = task->id.substr(0, task->id.rfind(':'));
      std::lock_guard lock(mu_);
      runs_[entry].received.push_back(Clock::now());
      runs_[entry].scheduled_for.push_back(task->scheduled_for);
    }
  }
  redis::Client client_;
  std::string list_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Runs> runs_;
  std::thread thread_;
};

TEST_F(DaemonTest, StandbyTakesOverAfterTheLeaderIsKilledKeepingTheCadence) {
  const int frequency_s = 2, ttl_ms = 1000;
  for (const char* name : {"a", "b", "c"}) AddPlugin("discovery", name, "good_discovery", frequency_s);
  std::string config = WriteConfig(ttl_ms);
  TaskRecorder recorder(config_, redis::keys::Tasks(config_.key_prefix, PluginKind::kDiscovery));
  auto leader = std::make_unique<Daemon>(config, LogPath("leader.log"), "discovery");
  ASSERT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kDiscovery) == leader->pid(); }, 10s,
                                 "the first scheduler leads"));
  Daemon standby(config, LogPath("standby.log"), "discovery");
  ASSERT_TRUE(testing::WaitUntil([&] { return recorder.MinRuns() >= 2 && recorder.Snapshot().size() == 3; },
                                 15s, "every entry ran twice under the first leader"));
  leader->Kill();
  auto killed = Clock::now();
  ASSERT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kDiscovery) == standby.pid(); }, 5s,
                                 "the standby takes over"));
  auto takeover = Clock::now() - killed;
  size_t runs_at_takeover = recorder.MinRuns();
  ASSERT_TRUE(testing::WaitUntil([&] { return recorder.MinRuns() >= runs_at_takeover + 2; }, 15s,
                                 "every entry ran twice under the new leader"))
      << Log("standby.log");
  EXPECT_EQ(standby.Terminate(), 0);

  auto bound = std::chrono::seconds(frequency_s) + takeover + 500ms;  // + dispatch and consumer slack
  for (const auto& [id, runs] : recorder.Snapshot()) {
    std::set<double> distinct(runs.scheduled_for.begin(), runs.scheduled_for.end());
    EXPECT_EQ(distinct.size(), runs.scheduled_for.size()) << id << " fired twice for one period";
    for (size_t i = 1; i < runs.received.size(); ++i) {
      EXPECT_LE(runs.received[i] - runs.received[i - 1], bound)
          << id << ": gap between runs " << i - 1 << " and " << i << " exceeds frequency + takeover ("
          << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count() << " ms)";
      EXPECT_LE(runs.scheduled_for[i] - runs.scheduled_for[i - 1], 2.0 * frequency_s + 1e-6)
          << id << " skipped more than one period";
    }
  }
}

TEST_F(DaemonTest, SigtermGivesLeadershipUpAtOnce) {
  AddPlugin("discovery", "a", "good_discovery", 60);
  std::string config = WriteConfig(/*leader_ttl_ms=*/6000);
  Daemon first(config, LogPath("first.log"), "discovery");
  ASSERT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kDiscovery) == first.pid(); }, 10s,
                                 "the first scheduler leads"));
  Daemon second(config, LogPath("second.log"), "discovery");
  ASSERT_TRUE(
      testing::WaitUntil([&] { return Log("second.log").find("scheduler started") != std::string::npos; },
                         10s, "the second scheduler runs"));
  auto start = Clock::now();
  EXPECT_EQ(first.Terminate(), 0);
  // Without the release the key would live up to 6 s more; the standby checks every 2 s.
  EXPECT_TRUE(testing::WaitUntil([&] { return LeaderPid(PluginKind::kDiscovery) == second.pid(); }, 3500ms,
                                 "the standby leads well before the old key would have expired"))
      << "after " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
      << " ms";
  EXPECT_NE(Log("first.log").find("leadership given up"), std::string::npos);
  EXPECT_EQ(second.Terminate(), 0);
}

TEST_F(DaemonTest, SighupRereadsTheConfigAndRescansAndABadConfigIsKept) {
  AddPlugin("discovery", "first", "good_discovery", 60);
  fs::create_directories(dir_.path() + "/other");
  fs::copy_file(kFixtures + "/good_discovery.py", dir_.path() + "/other/good_discovery.py");
  dir_.Write("other/second.panoptes-plugin",
             "[Core]\nName = second\nModule = good_discovery\n[Documentation]\nDescription = x\n[main]\n"
             "execute_frequency = 60\n");
  std::string config = WriteConfig();
  Daemon daemon(config, LogPath("scheduler.log"), "discovery");
  ASSERT_TRUE(
      testing::WaitUntil([&] { return Find(Schedule(PluginKind::kDiscovery), "\"first\"") != nullptr; }, 10s,
                         "the first plugin is scheduled"));
  WriteConfig(1000, "other");
  kill(daemon.pid(), SIGHUP);
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto s = Schedule(PluginKind::kDiscovery);
        return Find(s, "\"second\"") != nullptr && Find(s, "\"first\"") == nullptr;
      },
      3s, "the plugins of the new plugins_paths replace the old ones"))
      << Log("scheduler.log");
  dir_.Write("panoptes.ini", "[redis]\nport = not-a-port\n");
  kill(daemon.pid(), SIGHUP);
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return Log("scheduler.log").find("keeping the running configuration") != std::string::npos; }, 3s,
      "a bad config on SIGHUP is reported and ignored"));
  EXPECT_NE(Find(Schedule(PluginKind::kDiscovery), "\"second\""), nullptr);
  EXPECT_EQ(daemon.Terminate(), 0);
}

TEST_F(DaemonTest, LeaderThatLosesRedisStopsDispatchingAndRecoversWhenRedisReturns) {
  AddPlugin("discovery", "a", "good_discovery", 1);
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "discovery");
  std::string tasks = redis::keys::Tasks(config_.key_prefix, PluginKind::kDiscovery);
  auto pushed = [&] {
    auto n = client_->Command({"LLEN", tasks});
    return n.ok() && n->integer >= 1;
  };
  ASSERT_TRUE(testing::WaitUntil(pushed, 10s, "tasks are pushed"));
  server_.Stop();
  EXPECT_TRUE(testing::WaitUntil(
      [&] { return Log("scheduler.log").find("not leader any more") != std::string::npos; }, 5s,
      "the leader notices it lost Redis and stops dispatching"))
      << Log("scheduler.log");
  ASSERT_TRUE(server_.Start());  // same port, empty: the schedule must be rebuilt from the files
  EXPECT_TRUE(testing::WaitUntil(pushed, 15s, "leadership retaken, schedule rebuilt, tasks pushed again"))
      << Log("scheduler.log");
  EXPECT_EQ(LeaderPid(PluginKind::kDiscovery), daemon.pid());
  EXPECT_EQ(daemon.Terminate(), 0);
}

// The live children of `parent` named "code-validator" (the validator helper, validator.h).
std::vector<pid_t> ValidatorHelpers(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;  // gone meanwhile
    size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z' && line.substr(open + 1, close - open - 1) == "code-validator")
      out.push_back(std::stoi(name));
  }
  return out;
}

// Regression: a killed code validator helper was never replaced, so no new or edited plugin could
// be scheduled until the scheduler restarted.
TEST_F(DaemonTest, KilledValidatorHelperIsReplacedAndANewPluginIsStillScheduled) {
  AddPlugin("discovery", "first", "good_discovery", 60);
  Daemon daemon(WriteConfig(), LogPath("scheduler.log"), "discovery");
  ASSERT_TRUE(
      testing::WaitUntil([&] { return Find(Schedule(PluginKind::kDiscovery), "\"first\"") != nullptr; }, 10s,
                         "the first plugin is scheduled"))
      << Log("scheduler.log");
  std::vector<pid_t> helpers = ValidatorHelpers(daemon.pid());
  ASSERT_EQ(helpers.size(), 1u) << "the scheduler has one code-validator child";
  ASSERT_EQ(kill(helpers[0], SIGKILL), 0);

  AddPlugin("discovery", "after_kill", "good_discovery", 30);
  EXPECT_TRUE(
      testing::WaitUntil([&] { return Find(Schedule(PluginKind::kDiscovery), "\"after_kill\"") != nullptr; },
                         5s, "the plugin dropped after the helper was killed is scheduled"))
      << Log("scheduler.log");
  AddPlugin("discovery", "broken_after_kill", "syntax_error", 30);
  std::string rejected =
      "plugin " + dir_.path() + "/discovery/broken_after_kill.panoptes-plugin not scheduled: ";
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        std::string log = Log("scheduler.log");
        size_t at = log.find(rejected);
        return at != std::string::npos && log.find("line 4", at) < log.find('\n', at);
      },
      5s, "a broken plugin is still rejected with its reason"))
      << Log("scheduler.log");
  EXPECT_NE(Find(Schedule(PluginKind::kDiscovery), "\"first\""), nullptr)
      << "the first plugin stays scheduled";
  std::vector<pid_t> now = ValidatorHelpers(daemon.pid());
  ASSERT_EQ(now.size(), 1u) << "one new code-validator child";
  EXPECT_NE(now[0], helpers[0]);
  EXPECT_NE(Log("scheduler.log").find("code validator helper (pid " + std::to_string(helpers[0]) + ") died"),
            std::string::npos)
      << Log("scheduler.log");
  EXPECT_EQ(daemon.Terminate(), 0);
}

// Runs panoptes-ctl with `args`; returns (exit code, stdout and stderr).
std::pair<int, std::string> Ctl(const std::string& args) {
  testing::CommandOutput r =
      testing::RunCommand(std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-ctl " + args + " 2>&1");
  return {r.exit_code, r.out};
}

TEST_F(DaemonTest, CtlScheduleAndResourcesShowTheStore) {
  std::string config = WriteConfig();
  redis::Client writer(config_, "writer");
  resources::ResourceStore store(writer, config_.key_prefix);
  ASSERT_TRUE(
      store.PutDiscovered("disco", {MakeResource("sw1", "network"), MakeResource("host1", "host")}, 3600)
          .ok());
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = "poller";
  info.normalized_name = "poller";
  info.execute_frequency = 60;
  info.expires = 120;
  Resource sw1 = MakeResource("sw1", "network");
  ASSERT_TRUE(RedisScheduleStore(*client_, config_.key_prefix, PluginKind::kPolling)
                  .Rebuild(std::vector<Entry>{MakeEntry(info, &sw1)})
                  .ok());

  auto [code, out] = Ctl("schedule --kind polling --config " + config);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("KIND     NEXT_DUE                  DUE_IN  EVERY  PLUGIN  RESOURCE  ID\npolling  ", 0),
            0u)
      << out;
  EXPECT_NE(out.find("  60s    poller  sw1       poller:"), std::string::npos) << out;
  auto [json_code, json] = Ctl("--json schedule --kind polling --config " + config);
  EXPECT_EQ(json_code, 0) << json;
  auto row = nlohmann::json::parse(json);
  EXPECT_EQ(row["plugin"], "poller");
  EXPECT_EQ(row["resource_id"], "sw1");
  EXPECT_EQ(row["frequency_s"], 60);
  EXPECT_EQ(row["id"].get<std::string>().rfind("poller:", 0), 0u);
  EXPECT_TRUE(row["next_due_ms"].is_number());

  auto [all_code, all] = Ctl("resources --config " + config);
  EXPECT_EQ(all_code, 0) << all;
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2) << all;
  auto [filtered_code, filtered] =
      Ctl("resources --filter \"resource_class = 'network'\" --config " + config);
  EXPECT_EQ(filtered_code, 0) << filtered;
  ASSERT_EQ(std::count(filtered.begin(), filtered.end(), '\n'), 1) << filtered;
  auto resource = model::ParseResource(filtered.substr(0, filtered.size() - 1));
  ASSERT_TRUE(resource.ok()) << resource.status().ToString();
  EXPECT_EQ(resource->id, "sw1");
  auto [bad_code, bad] = Ctl("resources --filter \"resource_class = \" --config " + config);
  EXPECT_EQ(bad_code, 2);
  EXPECT_NE(bad.find("column"), std::string::npos) << bad;
}

}  // namespace
}  // namespace panoptes::scheduler
