// panoptes-consumer against a real redis-server and a real influxd (docs/outputs.md).
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "http/client.h"
#include "integration/consumer/consumer_fixture.h"
#include "process/process.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

// Every point of `measurement` in the test database.
int64_t Points(const InfluxServer& influx, const std::string& measurement) {
  return influx.CountPoints(ConsumerTest::kDatabase, measurement);
}

TEST_F(ConsumerTest, PointsArriveWithTheOriginalConsumersNaming) {
  StartConsumer("c1");
  MetricsGroup g = Group("interface.stats", "sw1", 1700000000.9, 1234);
  g.resource.subclass = "";
  Add(g);
  Add(Group("interface.stats", "sw2", 1700000060, 99), "dc2");
  ASSERT_TRUE(
      WaitUntil([&] { return Points(influx_, "interface_stats") == 2; }, 20s, "two points in influxdb"))
      << ConsumerLog("c1");
  auto rows =
      influx_.Rows(kDatabase, "SELECT * FROM interface_stats WHERE resource_endpoint = 'sw1.example'");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row["time"], 1700000000) << "the group's creation time in whole seconds";
  EXPECT_EQ(row["bytes_in__counter"], 1234);
  EXPECT_EQ(row["cpu__gauge"], 0.5);
  EXPECT_EQ(row["interface_name"], "eth0") << "dimensions are tags";
  EXPECT_EQ(row["resource_site"], "dc1");
  EXPECT_EQ(row["resource_class"], "network");
  EXPECT_EQ(row["resource_type"], "test");
  EXPECT_TRUE(row["resource_subclass"].is_null()) << "an empty tag is left out";
  auto tags = influx_.Query(kDatabase, "SHOW TAG KEYS FROM interface_stats");
  EXPECT_EQ(tags.dump().find("resource_id"), std::string::npos)
      << "the resource id is not a tag, as the original";
  ASSERT_TRUE(
      WaitUntil([&] { return Pending("dc1") == 0 && Pending("dc2") == 0; }, 10s, "entries acknowledged"));
}

TEST_F(ConsumerTest, EveryPointArrivesWhenTheDatabaseWasDownForAWhile) {
  StartConsumer("c1");
  Add(Group("updown", "before", 1700000000, 1));
  ASSERT_TRUE(WaitUntil([&] { return Points(influx_, "updown") == 1; }, 20s, "the first point"))
      << ConsumerLog("c1");
  influx_.Stop();
  for (int i = 0; i < 250; ++i) Add(Group("updown", "r" + std::to_string(i), 1700000100 + i, i));
  ASSERT_TRUE(
      WaitUntil([&] { return Scrape(http_port_, "panoptes_consumer_writes_total{result=\"failed\"}") >= 2; },
                20s, "the consumer sees failed writes and retries"))
      << ConsumerLog("c1");
  EXPECT_GT(Pending("dc1"), 0) << "nothing is acknowledged while the database is down";
  ASSERT_TRUE(influx_.Start());
  ASSERT_TRUE(
      WaitUntil([&] { return Points(influx_, "updown") == 251; }, 30s, "all 251 points after the restart"))
      << ConsumerLog("c1");
  ASSERT_TRUE(WaitUntil([&] { return Pending("dc1") == 0; }, 10s, "every entry acknowledged"));
}

TEST_F(ConsumerTest, AnotherConsumerClaimsTheEntriesOfAKilledOne) {
  WriteConfig("claim_idle_ms = 1000\n");
  influx_.Stop();  // the first consumer, started while the database is down, holds its batch
  for (int i = 0; i < 40; ++i) Add(Group("claimed", "r" + std::to_string(i), 1700000000 + i, i));
  pid_t first = StartConsumer("first");
  ASSERT_TRUE(WaitUntil([&] { return Pending("dc1") == 40; }, 20s, "the first consumer holds 40 entries"))
      << ConsumerLog("first");
  ASSERT_TRUE(process::SendSignal(first, SIGKILL).ok());
  ASSERT_TRUE(process::WaitFor(first, 5000).has_value());
  ASSERT_TRUE(influx_.Start());
  StartConsumer("second");
  ASSERT_TRUE(
      WaitUntil([&] { return Points(influx_, "claimed") == 40; }, 30s, "the second consumer writes all 40"))
      << ConsumerLog("second");
  ASSERT_TRUE(WaitUntil([&] { return Pending("dc1") == 0; }, 10s, "every entry acknowledged"));
  EXPECT_GE(Scrape(http_port_, "panoptes_consumer_entries_claimed_total"), 40);
}

TEST_F(ConsumerTest, InvalidEntriesAndRejectedPointsAreDeadLetteredWithoutBlockingTheBatch) {
  // A field written as a string first: InfluxDB then refuses a float for it (HTTP 400).
  auto seeded = influx_.Query(kDatabase, "CREATE DATABASE " + std::string(kDatabase));
  ASSERT_TRUE(seeded.is_object());
  http::Client direct("127.0.0.1", influx_.http_port(), 5s);
  auto w = direct.Request(
      "POST", std::string("/write?precision=s&db=") + kDatabase,
      "conflict,interface_name=eth0,resource_class=network,resource_endpoint=bad.example,"
      "resource_site=dc1,resource_subclass=switch,resource_type=test cpu__gauge=\"text\" 1700000000\n");
  ASSERT_TRUE(w.ok() && w->status == 204) << (w.ok() ? w->body : w.status().ToString());
  StartConsumer("c1");
  AddRaw("not json at all");
  Add(Group("conflict", "bad", 1700000001, 1));
  for (int i = 0; i < 5; ++i) Add(Group("good", "g" + std::to_string(i), 1700000000 + i, i));
  ASSERT_TRUE(WaitUntil([&] { return Points(influx_, "good") == 5; }, 20s, "the good points"))
      << ConsumerLog("c1");
  std::string dead_key = prefix_ + ":deadletter:consumer";
  ASSERT_TRUE(WaitUntil(
      [&] {
        return redis_.Cli({"LLEN", dead_key}) == "2";
      },
      10s, "two dead letters"))
      << ConsumerLog("c1");
  std::string all = redis_.Cli({"LINDEX", dead_key, "0"}) + redis_.Cli({"LINDEX", dead_key, "1"});
  EXPECT_NE(all.find("invalid: "), std::string::npos) << all;
  EXPECT_NE(all.find("not json at all"), std::string::npos) << "the entry is kept: " << all;
  EXPECT_NE(all.find("rejected: HTTP 400"), std::string::npos) << all;
  EXPECT_NE(all.find("field type conflict"), std::string::npos) << "the database's reason: " << all;
  ASSERT_TRUE(WaitUntil([&] { return Pending("dc1") == 0; }, 10s, "dead letters are acknowledged too"));
}

TEST_F(ConsumerTest, AcknowledgedEntriesAreTrimmedAndUnacknowledgedOnesKept) {
  // A second group that never reads: the consumer must not trim what that group still needs.
  ASSERT_EQ(redis_.Cli({"XGROUP", "CREATE", Stream(), "slow", "0", "MKSTREAM"}), "OK");
  for (int i = 0; i < 600; ++i) Add(Group("trim", "r" + std::to_string(i), 1700000000 + i, i));
  StartConsumer("c1");
  ASSERT_TRUE(WaitUntil([&] { return Points(influx_, "trim") == 600; }, 30s, "all points"))
      << ConsumerLog("c1");
  ASSERT_TRUE(WaitUntil([&] { return Pending("dc1") == 0; }, 10s, "acknowledged"));
  EXPECT_EQ(redis_.Cli({"XLEN", Stream()}), "600") << "the 'slow' group has read nothing: nothing is trimmed";
  ASSERT_EQ(redis_.Cli({"XGROUP", "DESTROY", Stream(), "slow"}), "1");
  Add(Group("trim", "last", 1700001000, 1));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return std::stoi(redis_.Cli({"XLEN", Stream()})) < 200;
      },
      10s, "the consumer trims what every group has acknowledged"));
  EXPECT_GT(Scrape(http_port_, "panoptes_consumer_lag_seconds{site=\"dc1\"}"), -1);
}

TEST_F(ConsumerTest, CarriesOnAfterARedisRestart) {
  StartConsumer("c1");
  Add(Group("redis_restart", "before", 1700000000, 1));
  ASSERT_TRUE(WaitUntil([&] { return Points(influx_, "redis_restart") == 1; }, 20s, "the first point"))
      << ConsumerLog("c1");
  ASSERT_TRUE(redis_.Restart());  // no persistence: stream and group are gone
  client_ = std::make_unique<redis::Client>(redis_.Config(prefix_), "consumer-test");
  for (int i = 0; i < 10; ++i) Add(Group("redis_restart", "after" + std::to_string(i), 1700000100 + i, i));
  ASSERT_TRUE(
      WaitUntil([&] { return Points(influx_, "redis_restart") == 11; }, 30s, "the points after the restart"))
      << ConsumerLog("c1");
}

TEST_F(ConsumerTest, SighupAppliesTheBatchSettingsAndKeepsABadFileOut) {
  WriteConfig();
  pid_t pid = StartConsumer("");
  ASSERT_TRUE(
      WaitUntil([&] { return Scrape(http_port_, "panoptes_consumer_batch_points") == 0; }, 10s, "started"));
  auto rewrite = [&](const std::string& batch, const std::string& flush) {
    std::string ini = WriteConfig();
    std::ifstream in(ini);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    text.replace(text.find("batch_size = 100"), 16, "batch_size = " + batch);
    text.replace(text.find("flush_interval_ms = 100"), 23, "flush_interval_ms = " + flush);
    dir_.Write("panoptes.ini", text);
  };
  rewrite("7", "20");
  ASSERT_TRUE(process::SendSignal(pid, SIGHUP).ok());
  ASSERT_TRUE(WaitUntil(
      [&] { return ConsumerLog("").find("batch_size 7, flush_interval_ms 20") != std::string::npos; }, 10s,
      "the reload is logged with the new settings"))
      << ConsumerLog("");
  rewrite("0", "20");
  ASSERT_TRUE(process::SendSignal(pid, SIGHUP).ok());
  ASSERT_TRUE(WaitUntil(
      [&] { return ConsumerLog("").find("keeping the running configuration") != std::string::npos; }, 10s,
      "a bad file is refused"))
      << ConsumerLog("");
  for (int i = 0; i < 20; ++i) Add(Group("reloaded", "r" + std::to_string(i), 1700000000 + i, i));
  ASSERT_TRUE(WaitUntil([&] { return Points(influx_, "reloaded") == 20; }, 20s, "still consuming"))
      << ConsumerLog("");
}

TEST_F(ConsumerTest, StopsCleanlyOnSigtermAndServesHealth) {
  pid_t pid = StartConsumer("c1");
  ASSERT_TRUE(
      WaitUntil([&] { return Scrape(http_port_, "panoptes_consumer_batch_points") == 0; }, 10s, "metrics"));
  http::Client client("127.0.0.1", http_port_, 2s);
  auto health = client.Request("GET", "/healthz", "");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200) << health->body;
  ASSERT_TRUE(process::SendSignal(pid, SIGTERM).ok());
  auto info = process::WaitFor(pid, 15000);
  ASSERT_TRUE(info.has_value()) << "still running after SIGTERM";
  EXPECT_EQ(info->Describe(), "exit code 0") << ConsumerLog("c1");
  std::erase(consumers_, pid);
}

}  // namespace
}  // namespace panoptes::testing
