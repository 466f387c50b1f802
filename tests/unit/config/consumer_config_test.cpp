// [consumer] of the site config (docs/configuration.md, docs/outputs.md).
#include <gtest/gtest.h>

#include "config/site_config.h"
#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

Result<LoadedSiteConfig> Parse(const std::string& text) {
  return ParseSiteConfig(text, "/etc/panoptes/site.ini");
}

TEST(Unit, ConsumerConfigDefaultsWithoutSection) {
  auto loaded = Parse("[main]\nsites = dc1\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const ConsumerConfig& c = loaded->config.consumer;
  EXPECT_EQ(c.influxdb_url, (HttpUrl{"127.0.0.1", 8086, ""}));
  EXPECT_EQ(c.influxdb_database, "panoptes");
  EXPECT_EQ(c.influxdb_api, "v1");
  EXPECT_EQ(c.batch_size, 5000);
  EXPECT_EQ(c.flush_interval_ms, 1000);
  EXPECT_EQ(c.group, "panoptes-consumer");
  EXPECT_EQ(c.listen, (HostPort{"127.0.0.1", 8787}));
}

TEST(Unit, ConsumerConfigReadsEveryKey) {
  testing::TempDir dir;
  std::string token = dir / "token";
  testing::WriteFile(token, "tok-123\n");
  auto loaded = Parse(
      "[consumer]\ninfluxdb_url = http://tsdb.example:8428/prefix/\ninfluxdb_database = metrics\n"
      "influxdb_api = v2\ninfluxdb_org = ops\ninfluxdb_token_file = " +
      token +
      "\ncreate_database = false\ngroup = g1\nname = c-1\nbatch_size = 250\n"
      "flush_interval_ms = 50\nrequest_timeout_ms = 2000\nretry_max_backoff_ms = 4000\n"
      "claim_idle_ms = 5000\nlisten = 127.0.0.1:0\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->warnings.empty());
  const ConsumerConfig& c = loaded->config.consumer;
  EXPECT_EQ(c.influxdb_url, (HttpUrl{"tsdb.example", 8428, "/prefix"})) << "trailing '/' dropped";
  EXPECT_EQ(c.influxdb_database, "metrics");
  EXPECT_EQ(c.influxdb_api, "v2");
  EXPECT_EQ(c.influxdb_org, "ops");
  EXPECT_EQ(c.influxdb_token, "tok-123");
  EXPECT_FALSE(c.create_database);
  EXPECT_EQ(c.group, "g1");
  EXPECT_EQ(c.name, "c-1");
  EXPECT_EQ(c.batch_size, 250);
  EXPECT_EQ(c.flush_interval_ms, 50);
  EXPECT_EQ(c.request_timeout_ms, 2000);
  EXPECT_EQ(c.retry_max_backoff_ms, 4000);
  EXPECT_EQ(c.claim_idle_ms, 5000);
  EXPECT_EQ(c.listen.port, 0);
}

TEST(Unit, ConsumerConfigUrlWithoutPortDefaultsTo80) {
  auto loaded = Parse("[consumer]\ninfluxdb_url = http://[::1]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.consumer.influxdb_url, (HttpUrl{"::1", 80, ""}));
}

TEST(Unit, ConsumerConfigBadValuesNameKeyAndReason) {
  struct Case {
    std::string line, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"influxdb_url = https://x:8086", "https is not supported"},
           {"influxdb_url = ftp://x", "must be http://host[:port][/path]"},
           {"influxdb_url = http://x:99999", "port in 1..65535"},
           {"influxdb_api = v3", "must be v1 or v2"},
           {"batch_size = 0", "1..100000"},
           {"flush_interval_ms = 5", "10..600000"},
           {"create_database = yes", "must be true or false"},
           {"influxdb_token_file = /nonexistent/token", "not a regular file"},
       }) {
    auto loaded = Parse("[consumer]\n" + c.line + "\n");
    ASSERT_FALSE(loaded.ok()) << c.line;
    EXPECT_NE(loaded.status().message().find("[consumer] " + c.line.substr(0, c.line.find(' '))),
              std::string::npos)
        << loaded.status().message();
    EXPECT_NE(loaded.status().message().find(c.expected), std::string::npos) << loaded.status().message();
  }
}

}  // namespace
}  // namespace panoptes::config
