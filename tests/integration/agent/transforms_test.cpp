// [transforms] rates computed by a real agent (docs/plugin-files.md#transforms): the counter state
// lives in Redis, so rates continue across agent restarts; a wrap skips one rate.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "http/client.h"
#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "process/process.h"
#include "support/influxdb_server.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

class TransformsTest : public AgentTest {
 protected:
  void SetUp() override {
    AgentTest::SetUp();
    log_ = AddPlugin({"rated", "counter", 1, 10, 0});
    std::ofstream(dir_.path() + "/polling/rated.panoptes-plugin", std::ios::app)
        << "\n[transforms]\noctets = rate:behave:octets\nsame_type = rate:behave:value, octets\n";
    WriteConfig();
  }
  // Sets the counter, runs the plugin once more (pushing a new task, due now, while the frequency
  // guard says too soon) and returns the published group.
  MetricsGroup Poll(int64_t counter) {
    std::ofstream(log_ + ".counter", std::ios::trunc) << counter;
    size_t before = Entries().size();
    EXPECT_TRUE(WaitUntil(
        [&] {
          if (Int({"LLEN", Key("tasks:polling")}) == 0) Push(MakeTask("rated", TestResource("dev1")));
          return Entries().size() > before;
        },
        15s, "one more run of the plugin"))
        << AgentLog();
    auto all = Entries();
    return all.empty() ? MetricsGroup{} : all.back();
  }
  std::vector<MetricsGroup> Entries() {
    std::vector<MetricsGroup> out;
    for (const redis::Reply& e : Cmd({"XRANGE", Key("metrics:local"), "-", "+"}).elements) {
      auto g = model::ParseMetricsGroup(e.elements[1].elements[1].str);
      EXPECT_TRUE(g.ok()) << g.status().ToString();
      if (g.ok()) out.push_back(*g);
    }
    return out;
  }
  static const Metric* Find(const MetricsGroup& g, const std::string& name, MetricType type) {
    for (const Metric& m : g.metrics) {
      if (m.name == name && m.type == type) return &m;
    }
    return nullptr;
  }
  double Scrape(const std::string& sample) {
    http::Client client("127.0.0.1", http_port_, 2s);
    auto r = client.Request("GET", "/metrics", "");
    if (!r.ok()) return -1;
    auto at = r->body.find(sample + " ");
    return at == std::string::npos ? -1 : std::stod(r->body.substr(at + sample.size() + 1));
  }

  std::string log_;
};

// The rate the agent should have computed between two published groups.
int64_t ExpectedRate(const Metric& before, const Metric& after) {
  double dv = static_cast<double>(std::get<int64_t>(after.value) - std::get<int64_t>(before.value));
  return static_cast<int64_t>(dv / (after.creation_timestamp - before.creation_timestamp));
}

TEST_F(TransformsTest, RatesContinueAcrossAgentRestartsAndSkipACounterWrap) {
  pid_t agent = StartAgent(1);
  MetricsGroup first = Poll(1000);
  ASSERT_NE(Find(first, "octets", MetricType::kCounter), nullptr);
  EXPECT_EQ(Find(first, "octets", MetricType::kGauge), nullptr) << "no rate from the first sample";
  MetricsGroup second = Poll(900000);
  const Metric* rate = Find(second, "octets", MetricType::kGauge);
  ASSERT_NE(rate, nullptr) << "the rate is a gauge of the same name";
  EXPECT_EQ(std::get<int64_t>(rate->value), ExpectedRate(*Find(first, "octets", MetricType::kCounter),
                                                         *Find(second, "octets", MetricType::kCounter)));
  EXPECT_EQ(std::count_if(second.metrics.begin(), second.metrics.end(),
                          [](const Metric& m) { return m.name == "octets"; }),
            2)
      << "named by two transforms, rated once";
  EXPECT_EQ(Find(second, "value", MetricType::kGauge)->value, MetricValue(int64_t{1}))
      << "a gauge is not rated";

  EXPECT_EQ(StopAgent(agent), "exit code 0");
  StartAgent(1);
  MetricsGroup third = Poll(2000000);
  ASSERT_NE(Find(third, "octets", MetricType::kGauge), nullptr) << "the previous sample survived the restart";
  EXPECT_EQ(std::get<int64_t>(Find(third, "octets", MetricType::kGauge)->value),
            ExpectedRate(*Find(second, "octets", MetricType::kCounter),
                         *Find(third, "octets", MetricType::kCounter)));

  MetricsGroup wrapped = Poll(5);
  EXPECT_EQ(Find(wrapped, "octets", MetricType::kGauge), nullptr) << "a counter that went down has no rate";
  MetricsGroup after = Poll(700005);
  ASSERT_NE(Find(after, "octets", MetricType::kGauge), nullptr) << "rates resume from the new base";
  EXPECT_EQ(std::get<int64_t>(Find(after, "octets", MetricType::kGauge)->value),
            ExpectedRate(*Find(wrapped, "octets", MetricType::kCounter),
                         *Find(after, "octets", MetricType::kCounter)));

  EXPECT_TRUE(WaitUntil(
      [&] { return Scrape("panoptes_agent_rates_total{kind=\"polling\",outcome=\"decreased\"}") == 1; }, 5s,
      "the wrap is counted in /metrics"));
  std::string state = Cmd({"GET", Key("rate:dev1|behave|mode|counter|octets")}).str;
  EXPECT_EQ(state.substr(0, state.find('|')), "700005") << "counter state under P:rate:...";
  EXPECT_GT(Int({"TTL", Key("rate:dev1|behave|mode|counter|octets")}), 170) << "TTL 3 x the interval (60 s)";
}

// The whole path: plugin -> agent (rate) -> stream -> panoptes-consumer -> InfluxDB, raw and rate
// side by side with the original consumer's field names.
TEST_F(TransformsTest, RawCountersAndRatesAreQueryableInInfluxdb) {
  InfluxServer influx;
  ASSERT_TRUE(influx.Start());
  std::ifstream in(config_path_);
  std::stringstream ini;
  ini << in.rdbuf() << "\n[consumer]\ninfluxdb_url = http://127.0.0.1:" << influx.http_port()
      << "\ninfluxdb_database = e2e\nflush_interval_ms = 50\nlisten = 127.0.0.1:0\n";
  std::string consumer_ini = dir_.Write("consumer.ini", ini.str());
  auto consumer = process::Spawn(
      {std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-consumer", "--config", consumer_ini},
      dir_.path() + "/consumer.log");
  ASSERT_TRUE(consumer.ok());
  StartAgent(1);
  MetricsGroup first = Poll(1000);
  MetricsGroup second = Poll(61000);
  const Metric* rate = Find(second, "octets", MetricType::kGauge);
  ASSERT_NE(rate, nullptr);
  std::vector<nlohmann::json> rows;
  EXPECT_TRUE(WaitUntil(
      [&] {
        rows = influx.Rows("e2e", "SELECT * FROM behave WHERE octets__gauge > 0");
        return !rows.empty();
      },
      20s, "the point with the rate in influxdb"));
  (void)process::SendSignal(*consumer, SIGTERM);
  process::WaitFor(*consumer, 15000);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["octets__counter"], 61000);
  EXPECT_EQ(rows[0]["octets__gauge"], std::get<int64_t>(rate->value));
  EXPECT_EQ(rows[0]["value__gauge"], 1);
  EXPECT_EQ(rows[0]["mode"], "counter") << "the dimension is a tag";
  EXPECT_EQ(rows[0]["resource_endpoint"], "dev1.example");
  EXPECT_EQ(rows[0]["time"], static_cast<int64_t>(second.creation_timestamp));
  EXPECT_EQ(influx.Rows("e2e", "SELECT * FROM behave").size(), 2u) << "the first point, without a rate, too";
}

}  // namespace
}  // namespace panoptes::testing
