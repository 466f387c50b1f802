#include "integration/consumer/consumer_fixture.h"

#include <signal.h>

#include <fstream>
#include <sstream>

#include "http/client.h"
#include "model/json.h"
#include "process/process.h"

namespace panoptes::testing {

void ConsumerTest::SetUp() {
  ASSERT_TRUE(redis_.Start());
  ASSERT_TRUE(influx_.Start());
  prefix_ = redis_.Config().key_prefix;
  client_ = std::make_unique<redis::Client>(redis_.Config(), "consumer-test");
  http_port_ = FreeLoopbackPort();
}

void ConsumerTest::TearDown() {
  for (pid_t pid : consumers_) {
    (void)process::SendSignal(pid, SIGKILL);
    process::WaitFor(pid, 5000);
  }
}

std::string ConsumerTest::WriteConfig(const std::string& extra) {
  std::string ini =
      "[main]\nsites = dc1, dc2\n\n[redis]\nhost = 127.0.0.1\nport = " + std::to_string(redis_.port()) +
      "\nkey_prefix = " + prefix_ +
      "\nio_timeout_ms = 3000\nreconnect_max_backoff_ms = 200\n\n[consumer]\ninfluxdb_url = "
      "http://127.0.0.1:" +
      std::to_string(influx_.http_port()) + "\ninfluxdb_database = " + kDatabase +
      "\nbatch_size = 100\nflush_interval_ms = 100\nretry_max_backoff_ms = 300\nrequest_timeout_ms = 2000\n" +
      "listen = 127.0.0.1:" + std::to_string(http_port_) + "\n" + extra + "\n";
  config_path_ = dir_.Write("panoptes.ini", ini);
  return config_path_;
}

pid_t ConsumerTest::StartConsumer(const std::string& name) {
  if (config_path_.empty()) WriteConfig();
  std::string config = config_path_;
  if (!name.empty()) {
    std::ifstream in(config_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    config = dir_.Write("panoptes-" + name + ".ini", ss.str() + "name = " + name + "\n");
  }
  auto pid = process::Spawn({std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-consumer", "--config",
                             config, "--log-level", "debug"},
                            dir_.path() + "/consumer-" + name + ".log");
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  if (!pid.ok()) return -1;
  consumers_.push_back(*pid);
  return *pid;
}

std::string ConsumerTest::ConsumerLog(const std::string& name) const {
  std::ifstream in(dir_.path() + "/consumer-" + name + ".log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MetricsGroup ConsumerTest::Group(const std::string& type, const std::string& id, double ts, int64_t counter) {
  MetricsGroup g;
  g.group_type = type;
  g.interval = 60;
  g.creation_timestamp = ts;
  g.resource = Resource{"dc1", "network", "switch", "test", id, id + ".example", "test_discovery", 0, {}};
  g.metrics = {{"bytes_in", counter, MetricType::kCounter, ts}, {"cpu", 0.5, MetricType::kGauge, ts}};
  g.dimensions = {{"interface_name", "eth0"}};
  return g;
}

std::string ConsumerTest::Stream(const std::string& site) const {
  return prefix_ + ":metrics:" + site;
}

std::string ConsumerTest::Add(const MetricsGroup& g, const std::string& site) {
  return AddRaw(model::SerializeMetricsGroup(g), site);
}

std::string ConsumerTest::AddRaw(const std::string& data, const std::string& site) {
  auto r = client_->Command({"XADD", Stream(site), "*", "data", data});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->str : "";
}

int64_t ConsumerTest::Pending(const std::string& site) {
  auto r = client_->Command({"XPENDING", Stream(site), "panoptes-consumer"});
  if (!r.ok() || r->elements.empty()) return -1;
  return r->elements[0].integer;
}

double ConsumerTest::Scrape(int port, const std::string& sample) {
  http::Client client("127.0.0.1", port, std::chrono::seconds(2));
  auto r = client.Request("GET", "/metrics", "");
  if (!r.ok()) return -1;
  std::istringstream in(r->body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  }
  return -1;
}

}  // namespace panoptes::testing
