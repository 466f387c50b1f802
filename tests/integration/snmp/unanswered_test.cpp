// A device that does not answer, through panoptes-agent: our interface polling plugin pointed at a
// loopback UDP port that swallows every request. With timeout x (retries + 1) below the run's time
// limit the run ends as an error naming host:port; above it the framework's connection cuts its
// waits so that the run still ends as such an error, before the limit. Either way the worker takes
// the next task (a device that answers: snmpsimd).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/snmp/daemons_fixture.h"

namespace panoptes::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const std::string kPlugin = "SNMP Interface Metrics";

// A UDP socket bound on 127.0.0.1 that is never read: requests to it get no answer (and, unlike a
// closed port, no ICMP port-unreachable either).
class SilentUdpPort {
 public:
  SilentUdpPort() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot bind a UDP socket on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentUdpPort() {
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

const std::string kAnswering = "Answering Interface Metrics";

// Each test: a silent port and snmpsimd; the interface polling plugin pointed at the silent port,
// a second plugin file of the same module pointed at snmpsimd (community switch48), one worker, and
// a task of each pushed in that order: the one against the silent port first.
class UnansweredDeviceTest : public SnmpDaemonsTest {
 protected:
  void SetUp() override {
    SnmpDaemonsTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NE(silent_.port(), 0);
    sim_port_ = sim_.Start(SnmpRecordingsDir());
    ASSERT_NE(sim_port_, 0);
  }
  // Writes the site config (`site_snmp`: its [snmp] lines) and both plugin files (`snmp`: more
  // [snmp] lines of the silent one, `time_limit` (s) its time limit and its task's), starts the
  // agent and pushes the two tasks; pushed_at_ is the time of the push.
  void PushSilentThenAnswering(const std::string& site_snmp, const std::string& snmp, int time_limit) {
    WriteSiteConfig(site_snmp);
    AddInterfacePolling("snmp_interface_polling", kPlugin,
                        "time_limit = " + std::to_string(time_limit) + "\n",
                        "port = " + std::to_string(silent_.port()) + "\n" + snmp);
    AddInterfacePolling("answering", kAnswering, "",
                        "port = " + std::to_string(sim_port_) + "\ncommunity = switch48\n");
    StartAgent(1, "polling");
    Task task = MakeTask(kPlugin, dead_, time_limit);
    Task next = MakeTask(kAnswering, alive_, 10);
    pushed_at_ = Clock::now();
    Push(task);
    Push(next);
  }
  // <dir>/polling/<file>.panoptes-plugin of our interface polling module: Name `name`, `main`
  // more lines of its [main], `snmp` its [snmp].
  void AddInterfacePolling(const std::string& file, const std::string& name, const std::string& main,
                           const std::string& snmp) {
    AddPluginFile(
        "polling", file,
        "[Core]\nName = " + name + "\nModule = " + std::string(PANOPTES_SOURCE_DIR) +
            "/plugins/snmp_interface_polling\n\n[Documentation]\nAuthor = t\nVersion = 1\nWebsite = w\n"
            "Description = d\n\n[main]\nexecute_frequency = 60\nresource_filter = resource_class = "
            "\"network\"\n" +
            main + "\n[snmp]\n" + snmp);
  }
  // A device at 127.0.0.1; its SNMP port is the plugin file's [snmp] port.
  static Resource Device(const std::string& id) {
    Resource r = TestResource(id);
    r.endpoint = "127.0.0.1";
    return r;
  }
  std::string LastStatus(const std::string& plugin, const Resource& r) {
    return MetaOf(PluginKind::kPolling, plugin, r)["last_status"];
  }

  SilentUdpPort silent_;
  int sim_port_ = 0;
  const Resource dead_ = Device("dead");
  const Resource alive_ = Device("alive");
  Clock::time_point pushed_at_;
};

TEST_F(UnansweredDeviceTest, TimeoutsWithinTheTimeLimitEndTheRunAsAnErrorNamingTheEndpoint) {
  PushSilentThenAnswering("timeout = 1\nretries = 1\n", "", 10);
  ASSERT_TRUE(WaitUntil([&] { return LastStatus(kPlugin, dead_) == "error"; }, seconds(20),
                        "the run against the silent port ends as an error"))
      << MetaOf(PluginKind::kPolling, kPlugin, dead_)["last_status"] << Logs();
  auto took = Clock::now() - pushed_at_;
  std::string error = MetaOf(PluginKind::kPolling, kPlugin, dead_)["last_error"];
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(silent_.port())), std::string::npos) << error;
  EXPECT_NE(error.find("PanoptesSNMPTimeoutException"), std::string::npos) << error;
  // 1 s x (1 retry + 1): about 2 s, well inside the 10 s limit.
  EXPECT_LT(took, seconds(8));
  EXPECT_TRUE(WaitUntil([&] { return LastStatus(kAnswering, alive_) == "ok"; }, seconds(20),
                        "the same worker then polls the device that answers"))
      << Logs();
}

TEST_F(UnansweredDeviceTest, TimeoutsPastTheTimeLimitNeverHoldTheWorkerPastIt) {
  // 5 s x (2 retries + 1) = 15 s of waiting per request, against a 3 s time limit.
  PushSilentThenAnswering("", "timeout = 5\nretries = 2\n", 3);
  std::string status;
  ASSERT_TRUE(WaitUntil(
      [&] {
        status = LastStatus(kPlugin, dead_);
        return !status.empty();
      },
      seconds(20), "the run against the silent port is recorded"))
      << Logs();
  auto took = Clock::now() - pushed_at_;
  std::map<std::string, std::string> meta = MetaOf(PluginKind::kPolling, kPlugin, dead_);
  // The framework's SNMP connection cut its waits to what the limit left: the run ends as an error
  // naming the endpoint before the agent would kill it (a kill would be recorded "timeout").
  EXPECT_EQ(status, "error") << meta["last_error"];
  EXPECT_NE(meta["last_error"].find("127.0.0.1:" + std::to_string(silent_.port())), std::string::npos)
      << meta["last_error"];
  EXPECT_NE(meta["last_error"].find("by the run's time limit"), std::string::npos) << meta["last_error"];
  // Within the limit from the run's start; from the push, allow for the queue and the report.
  EXPECT_LT(took, milliseconds(3000 + 1500)) << status << ": " << meta["last_error"];
  EXPECT_EQ(AgentLog().find("outlasted its time limit"), std::string::npos) << AgentLog();
  EXPECT_TRUE(WaitUntil([&] { return LastStatus(kAnswering, alive_) == "ok"; }, seconds(20),
                        "the worker then polls the device that answers"))
      << Logs();
}

}  // namespace
}  // namespace panoptes::testing
