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

class UnansweredDeviceTest : public SnmpDaemonsTest {
 protected:
  // The interface polling plugin with `snmp` as its file's [snmp] and `time_limit` (s).
  void AddPolling(const std::string& snmp, int time_limit) {
    AddPluginFile(
        "polling", "snmp_interface_polling",
        "[Core]\nName = " + kPlugin + "\nModule = " + std::string(PANOPTES_SOURCE_DIR) +
            "/plugins/snmp_interface_polling\n\n[Documentation]\nAuthor = t\nVersion = 1\nWebsite = w\n"
            "Description = d\n\n[main]\nexecute_frequency = 60\ntime_limit = " +
            std::to_string(time_limit) + "\nresource_filter = resource_class = \"network\"\n\n[snmp]\n" +
            snmp);
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
};

// A second plugin file, same module, pointed at snmpsimd (community switch48): the next task.
void AddAnsweringPolling(SnmpDaemonsTest& t, int sim_port) {
  t.AddPluginFile(
      "polling", "answering",
      "[Core]\nName = Answering Interface Metrics\nModule = " + std::string(PANOPTES_SOURCE_DIR) +
          "/plugins/snmp_interface_polling\n\n[Documentation]\nAuthor = t\nVersion = 1\nWebsite = w\n"
          "Description = d\n\n[main]\nexecute_frequency = 60\nresource_filter = resource_class = "
          "\"network\"\n\n[snmp]\nport = " +
          std::to_string(sim_port) + "\ncommunity = switch48\n");
}

TEST_F(UnansweredDeviceTest, TimeoutsWithinTheTimeLimitEndTheRunAsAnErrorNamingTheEndpoint) {
  SilentUdpPort silent;
  ASSERT_NE(silent.port(), 0);
  int sim_port = sim_.Start(SnmpRecordingsDir());
  ASSERT_NE(sim_port, 0);
  WriteSiteConfig("timeout = 1\nretries = 1\n");
  AddPolling("port = " + std::to_string(silent.port()) + "\n", 10);
  AddAnsweringPolling(*this, sim_port);
  StartAgent(1, "polling");

  Resource dead = Device("dead");
  Task task = MakeTask(kPlugin, dead, 10);
  Resource alive = Device("alive");
  Task next = MakeTask("Answering Interface Metrics", alive, 10);
  auto start = Clock::now();
  Push(task);
  Push(next);
  ASSERT_TRUE(WaitUntil([&] { return LastStatus(kPlugin, dead) == "error"; }, seconds(20),
                        "the run against the silent port ends as an error"))
      << MetaOf(PluginKind::kPolling, kPlugin, dead)["last_status"] << Logs();
  auto took = Clock::now() - start;
  std::string error = MetaOf(PluginKind::kPolling, kPlugin, dead)["last_error"];
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(silent.port())), std::string::npos) << error;
  EXPECT_NE(error.find("PanoptesSNMPTimeoutException"), std::string::npos) << error;
  // 1 s x (1 retry + 1): about 2 s, well inside the 10 s limit.
  EXPECT_LT(took, seconds(8));
  EXPECT_TRUE(WaitUntil([&] { return LastStatus("Answering Interface Metrics", alive) == "ok"; }, seconds(20),
                        "the same worker then polls the device that answers"))
      << Logs();
}

TEST_F(UnansweredDeviceTest, TimeoutsPastTheTimeLimitNeverHoldTheWorkerPastIt) {
  SilentUdpPort silent;
  ASSERT_NE(silent.port(), 0);
  int sim_port = sim_.Start(SnmpRecordingsDir());
  ASSERT_NE(sim_port, 0);
  WriteSiteConfig("");
  // 5 s x (2 retries + 1) = 15 s of waiting per request, against a 3 s time limit.
  AddPolling("port = " + std::to_string(silent.port()) + "\ntimeout = 5\nretries = 2\n", 3);
  AddAnsweringPolling(*this, sim_port);
  StartAgent(1, "polling");

  Resource dead = Device("dead");
  Task task = MakeTask(kPlugin, dead, 3);
  Resource alive = Device("alive");
  Task next = MakeTask("Answering Interface Metrics", alive, 10);
  auto start = Clock::now();
  Push(task);
  Push(next);
  std::string status;
  ASSERT_TRUE(WaitUntil(
      [&] {
        status = LastStatus(kPlugin, dead);
        return !status.empty();
      },
      seconds(20), "the run against the silent port is recorded"))
      << Logs();
  auto took = Clock::now() - start;
  std::map<std::string, std::string> meta = MetaOf(PluginKind::kPolling, kPlugin, dead);
  // The framework's SNMP connection cut its waits to what the limit left: the run ends as an error
  // naming the endpoint before the agent would kill it (a kill would be recorded "timeout").
  EXPECT_EQ(status, "error") << meta["last_error"];
  EXPECT_NE(meta["last_error"].find("127.0.0.1:" + std::to_string(silent.port())), std::string::npos)
      << meta["last_error"];
  EXPECT_NE(meta["last_error"].find("by the run's time limit"), std::string::npos) << meta["last_error"];
  // Within the limit from the run's start; from the push, allow for the queue and the report.
  EXPECT_LT(took, milliseconds(3000 + 1500)) << status << ": " << meta["last_error"];
  EXPECT_EQ(AgentLog().find("outlasted its time limit"), std::string::npos) << AgentLog();
  EXPECT_TRUE(WaitUntil([&] { return LastStatus("Answering Interface Metrics", alive) == "ok"; }, seconds(20),
                        "the worker then polls the device that answers"))
      << Logs();
}

}  // namespace
}  // namespace panoptes::testing
