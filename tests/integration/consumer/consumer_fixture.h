#pragma once
// panoptes-consumer run as a program between a real redis-server and a real influxd.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "panoptes/model.h"
#include "redis/client.h"
#include "support/influxdb_server.h"
#include "support/redis_server.h"

namespace panoptes::testing {

class ConsumerTest : public ::testing::Test {
 public:
  static constexpr const char* kDatabase = "paneltest";

 protected:
  void SetUp() override;
  void TearDown() override;

  // Writes the site config with `extra` appended to [consumer]; returns its path.
  std::string WriteConfig(const std::string& extra = "");
  // Starts a panoptes-consumer named `name` (log: consumer-<name>.log); returns its pid.
  pid_t StartConsumer(const std::string& name);
  std::string ConsumerLog(const std::string& name) const;
  // A metrics group of type `type` for resource `id` with a counter and a gauge.
  static MetricsGroup Group(const std::string& type, const std::string& id, double ts, int64_t counter);
  // XADD to P:metrics:<site> as the agent does; returns the entry id.
  std::string Add(const MetricsGroup& g, const std::string& site = "dc1");
  std::string AddRaw(const std::string& data, const std::string& site = "dc1");
  int64_t Pending(const std::string& site = "dc1");
  std::string Stream(const std::string& site = "dc1") const;
  // GET /metrics of the consumer listening on `port`: the value of the sample line `name` (-1: none).
  static double Scrape(int port, const std::string& sample);

  RedisServer redis_;
  InfluxServer influx_;
  TempDir dir_;
  std::string prefix_;
  std::string config_path_;
  int http_port_ = 0;
  std::unique_ptr<redis::Client> client_;
  std::vector<pid_t> consumers_;
};

}  // namespace panoptes::testing
