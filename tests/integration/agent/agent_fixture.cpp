#include "integration/agent/agent_fixture.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>  // before Boost 1.74 asio, whose awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include "agent/zygote.h"
#include "config/identity.h"
#include "model/identity.h"
#include "model/json.h"
#include "process/process.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

}  // namespace

std::string HttpGet(int port, const std::string& path, int timeout_ms) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return "";
  if (timeout_ms > 0) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
  asio::write(socket, asio::buffer(req), ec);
  std::string out;
  asio::read(socket, asio::dynamic_buffer(out), ec);
  return out;
}

CtlOutput Ctl(const std::string& config, const std::string& args) {
  return RunCommand(std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-ctl " + args + " --config " +
                    config + " --log-level error 2>&1");
}

void AgentTest::SetUp() {
  ASSERT_TRUE(redis_.Start());
  RedisConfig rc = redis_.Config();
  prefix_ = rc.key_prefix;
  client_ = std::make_unique<redis::Client>(rc, "agent-test");
  http_port_ = FreeLoopbackPort();
}

void AgentTest::TearDown() {
  for (pid_t pid : agents_) {
    std::vector<pid_t> workers = AllChildren(pid);
    (void)process::SendSignal(pid, SIGKILL);
    process::WaitFor(pid, 5000);
    for (pid_t w : workers) (void)process::SendSignal(w, SIGKILL);
  }
}

std::string AgentTest::AddPlugin(const TestPlugin& p, const std::string& extra) {
  std::string text = ReadFile(std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/agent_plugins/plugin.in");
  std::string log = dir_.path() + "/" + p.name + ".runs";
  ReplaceAll(text, "@NAME@", p.name);
  ReplaceAll(text, "@MODULE@", std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/agent_plugins/behave.py");
  ReplaceAll(text, "@MODE@", p.mode);
  ReplaceAll(text, "@FREQ@", std::to_string(p.frequency));
  ReplaceAll(text, "@LIMIT@", std::to_string(p.time_limit));
  ReplaceAll(text, "@SLEEP@", std::to_string(p.sleep_s));
  ReplaceAll(text, "@LOG@", log);
  text += extra;
  dir_.Write("polling/" + p.name + ".panoptes-plugin", text);
  return log;
}

std::string AgentTest::WriteConfig(const std::string& extra_agent, const std::string& polling_paths) {
  std::string ini =
      "[main]\nsites = local\nplugins_skew = 0\n\n[redis]\n" +
      (redis_where_.empty() ? "host = 127.0.0.1\nport = " + std::to_string(redis_.port()) : redis_where_) +
      "\nkey_prefix = " + prefix_ +
      "\nio_timeout_ms = 3000\nreconnect_max_backoff_ms = 200\n\n[polling]\nplugins_paths = " +
      (polling_paths.empty() ? dir_.path() + "/polling" : polling_paths) +
      "\n\n[agent]\nheartbeat_interval_ms = 200\nheartbeat_ttl_ms = 1000\nshutdown_grace_s = 5\n" +
      extra_agent + "\n\n[http]\nagent_listen = 127.0.0.1:" + std::to_string(http_port_) +
      "\nscheduler_listen = 127.0.0.1:0\n";
  config_path_ = dir_.Write("panoptes.ini", ini);
  return config_path_;
}

pid_t AgentTest::StartAgent(int workers, const std::string& kind) {
  if (config_path_.empty()) WriteConfig();
  std::string log = dir_.path() + "/agent-" + std::to_string(agents_.size()) + ".log";
  auto pid =
      process::Spawn({std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-agent", "--config", config_path_,
                      "--kind", kind, "--workers", std::to_string(workers), "--log-level", "debug"},
                     log);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  if (!pid.ok()) return -1;
  agents_.push_back(*pid);
  // --workers N forks N workers per kind served.
  int expected = kind == "all" ? workers * static_cast<int>(kAllKinds.size()) : workers;
  // The zygote and the courier are told from the workers by their names, set just after their fork.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Zygote(*pid) > 0 && Courier(*pid) > 0 && static_cast<int>(Children(*pid).size()) == expected;
      },
      std::chrono::seconds(10)))
      << "the agent did not fork " << expected << " workers; log:\n"
      << ReadFile(log);
  return *pid;
}

void AgentTest::StartExamplesAgent(const std::string& redis_extra) {
  std::string examples = std::string(PANOPTES_SOURCE_DIR) + "/examples/plugins";
  config_path_ = dir_.Write(
      "panoptes.ini",
      "[main]\nsites = local\n\n[redis]\nhost = 127.0.0.1\nport = " + std::to_string(redis_.port()) +
          "\nkey_prefix = " + prefix_ + "\n" + redis_extra + "\n[discovery]\nplugins_paths = " + examples +
          "/discovery\n\n[enrichment]\nplugins_paths = " + examples +
          "/enrichment\n\n[polling]\nplugins_paths = " + examples +
          "/polling\n\n[agent]\nheartbeat_interval_ms = 200\n\n[http]\nagent_listen = 127.0.0.1:0\n");
  StartAgent(1, "all");
}

::testing::AssertionResult AgentTest::RunsOk(const std::string& plugin, const Task& task) {
  Push(task);
  if (WaitUntil([&] { return Meta(plugin, task)["last_status"] == "ok"; }, std::chrono::seconds(30))) {
    return ::testing::AssertionSuccess();
  }
  std::map<std::string, std::string> meta = Meta(plugin, task);
  return ::testing::AssertionFailure()
         << plugin << " ended '" << meta["last_status"] << "': " << meta["last_error"] << "\n"
         << AgentLog();
}

std::optional<Resource> AgentTest::DiscoverExampleHost() {
  const std::string plugin = "Host Discovery From JSON";
  auto ran = RunsOk(plugin, MakeTask(plugin, std::nullopt, 30, PluginKind::kDiscovery));
  if (!ran) {
    ADD_FAILURE() << ran.message();
    return std::nullopt;
  }
  resources::ResourceStore store(*client_, prefix_);
  auto found = store.List();
  if (!found.ok() || found->size() != 1u) {
    ADD_FAILURE() << "the store holds not one resource: "
                  << (found.ok() ? std::to_string(found->size()) : found.status().ToString());
    return std::nullopt;
  }
  return (*found)[0];
}

std::string AgentTest::StopAgent(pid_t pid, int timeout_ms) {
  (void)process::SendSignal(pid, SIGTERM);
  auto info = process::WaitFor(pid, timeout_ms);
  if (!info) return "still running";
  std::erase(agents_, pid);
  return info->Describe();
}

std::string AgentTest::AgentLog(int n) const {
  return ReadFile(dir_.path() + "/agent-" + std::to_string(n) + ".log");
}

Resource AgentTest::TestResource(const std::string& id) {
  Resource r;
  r.site = "local";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "test";
  r.id = id;
  r.endpoint = id + ".example";
  r.plugin = "test_discovery";
  r.creation_timestamp = 1700000000;
  return r;
}

Task AgentTest::MakeTask(const std::string& plugin, const std::optional<Resource>& resource,
                         double time_limit, PluginKind kind) {
  static int counter = 0;
  Task t;
  t.id = "t" + std::to_string(++counter) + "-" + std::to_string(getpid());
  t.kind = kind;
  t.plugin = plugin;
  t.resource = resource;
  t.signature = model::Signature(config::NormalizedName(plugin), resource ? &*resource : nullptr);
  double now = static_cast<double>(time(nullptr));
  t.scheduled_for = now;
  t.expires_at = now + 600;
  t.time_limit = time_limit;
  return t;
}

void AgentTest::Push(const Task& task) {
  PushRaw(model::SerializeTask(task), task.kind);
}

void AgentTest::PushRaw(const std::string& raw, PluginKind kind) {
  Cmd({"LPUSH", Key("tasks:" + std::string(KindName(kind))), raw});
}

std::map<std::string, std::string> AgentTest::Meta(const std::string& plugin, const Task& task) {
  redis::Reply r = Cmd({"HGETALL", Key("meta:" + std::string(KindName(task.kind)) + ":" +
                                       config::NormalizedName(plugin) + ":" + task.signature)});
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

redis::Reply AgentTest::Cmd(const std::vector<std::string>& argv) {
  auto r = client_->Command(argv);
  EXPECT_TRUE(r.ok()) << argv[0] << ": " << r.status().ToString();
  return r.ok() ? *r : redis::Reply{};
}

int64_t AgentTest::Int(const std::vector<std::string>& argv) {
  return Cmd(argv).integer;
}

std::vector<AgentTest::LogLine> AgentTest::ReadRunLog(const std::string& path) {
  std::vector<LogLine> out;
  std::ifstream in(path);
  LogLine l;
  while (in >> l.what >> l.time >> l.pid) out.push_back(l);
  return out;
}

int AgentTest::RunningPid(const std::string& runs) {
  auto lines = ReadRunLog(runs);
  return lines.empty() ? -1 : lines.back().pid;
}

std::vector<pid_t> AgentTest::AllChildren(pid_t pid) {
  std::vector<pid_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t c;
  while (in >> c) out.push_back(c);
  return out;
}

namespace {
bool Named(pid_t pid, const char* name) {
  std::string comm = ReadFile("/proc/" + std::to_string(pid) + "/comm");
  return comm.rfind(name, 0) == 0;
}
bool IsZygote(pid_t pid) {
  return Named(pid, agent::kZygoteProcessName);
}
bool IsCourier(pid_t pid) {
  return Named(pid, "panoptes-redis");
}
}  // namespace

std::vector<pid_t> AgentTest::Children(pid_t pid) {
  std::vector<pid_t> out = AllChildren(pid);
  std::erase_if(out, [](pid_t c) { return IsZygote(c) || IsCourier(c); });
  return out;
}

pid_t AgentTest::Zygote(pid_t pid) {
  for (pid_t c : AllChildren(pid)) {
    if (IsZygote(c)) return c;
  }
  return -1;
}

pid_t AgentTest::Courier(pid_t pid) {
  for (pid_t c : AllChildren(pid)) {
    if (IsCourier(c)) return c;
  }
  return -1;
}

}  // namespace panoptes::testing
