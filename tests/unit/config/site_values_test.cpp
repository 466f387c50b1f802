// Every validation rule of the site config: one bad value per row, with the exact reason expected.

#include <gtest/gtest.h>

#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

using testing::BadSiteValue;
using BadValue = BadSiteValue;

class SiteValues : public ::testing::TestWithParam<BadValue> {};

TEST_P(SiteValues, RejectsBadValueNamingFileLineSectionKeyValueAndReason) {
  EXPECT_TRUE(testing::RefusedWithReason(GetParam()));
}

constexpr const char* kListen =
    "must be host:port (or [ipv6]:port) with port in 0..65535 (port 0 disables the listener)";

INSTANTIATE_TEST_SUITE_P(
    Unit, SiteValues,
    ::testing::Values(
        BadValue{"main", "sites", "", "must list at least one site (comma separated)"},
        BadValue{"main", "sites", ", ,", "must list at least one site (comma separated)"},
        BadValue{"main", "sites", "dc1, dc 2", "site 'dc 2' must contain only letters, digits, '_' and '-'"},
        BadValue{"main", "sites", "dc1,dc:2", "site 'dc:2' must contain only letters, digits, '_' and '-'"},
        BadValue{"main", "plugins_extension", ".panoptes-plugin",
                 "must be a non-empty file extension without a leading dot, '/' or blanks"},
        BadValue{"main", "plugins_extension", "",
                 "must be a non-empty file extension without a leading dot, '/' or blanks"},
        BadValue{"main", "plugins_extension", "a b",
                 "must be a non-empty file extension without a leading dot, '/' or blanks"},
        BadValue{"main", "plugins_extension", "a/b",
                 "must be a non-empty file extension without a leading dot, '/' or blanks"},
        BadValue{"main", "plugins_skew", "61", "must be an integer in 0..60"},
        BadValue{"main", "plugins_skew", "-1", "must be an integer in 0..60"},
        BadValue{"redis", "host", "", "must be a host name or IP address"},
        BadValue{"redis", "host", "bad host!", "must be a host name or IP address"},
        BadValue{"redis", "port", "0", "must be an integer in 1..65535"},
        BadValue{"redis", "port", "70000", "must be an integer in 1..65535"},
        BadValue{"redis", "port", "abc", "must be an integer in 1..65535"},
        BadValue{"redis", "port", "6379x", "must be an integer in 1..65535"},
        BadValue{"redis", "port", "63 79", "must be an integer in 1..65535"},
        BadValue{"redis", "port", "99999999999999999999999", "must be an integer in 1..65535"},
        BadValue{"redis", "db", "16", "must be an integer in 0..15"},
        BadValue{"redis", "db", "1.5", "must be an integer in 0..15"},
        BadValue{"redis", "sentinels", "127.0.0.1",
                 "sentinel '127.0.0.1' must be host:port (or [ipv6]:port) with port in 1..65535"},
        BadValue{"redis", "sentinels", "h1:26379, h2:0",
                 "sentinel 'h2:0' must be host:port (or [ipv6]:port) with port in 1..65535"},
        BadValue{"redis", "sentinels", ":26379",
                 "sentinel ':26379' must be host:port (or [ipv6]:port) with port in 1..65535"},
        BadValue{"redis", "sentinels", "h1:99999",
                 "sentinel 'h1:99999' must be host:port (or [ipv6]:port) with port in 1..65535"},
        BadValue{"redis", "master_name", "my master", "must be a name without blanks"},
        BadValue{"redis", "key_prefix", "", "must be a non-empty prefix without blanks"},
        BadValue{"redis", "key_prefix", "pano ptes", "must be a non-empty prefix without blanks"},
        BadValue{"redis", "connect_timeout_ms", "5", "must be an integer in 10..60000"},
        BadValue{"redis", "io_timeout_ms", "99", "must be an integer in 100..600000"},
        BadValue{"redis", "reconnect_max_backoff_ms", "60001", "must be an integer in 10..60000"},
        BadValue{"discovery", "plugin_scan_interval", "0", "must be an integer in 1..86400"},
        BadValue{"enrichment", "plugin_scan_interval", "soon", "must be an integer in 1..86400"},
        BadValue{"polling", "plugin_scan_interval", "86401", "must be an integer in 1..86400"},
        BadValue{"agent", "workers", "0", "must be an integer in 1..1024"},
        BadValue{"agent", "workers", "1025", "must be an integer in 1..1024"},
        BadValue{"agent", "max_tasks_per_worker", "0", "must be an integer in 1..1000000000"},
        BadValue{"agent", "max_worker_rss_mb", "15", "must be an integer in 16..65536"},
        BadValue{"agent", "shutdown_grace_s", "3601", "must be an integer in 0..3600"},
        BadValue{"agent", "heartbeat_interval_ms", "99", "must be an integer in 100..60000"},
        BadValue{"agent", "heartbeat_ttl_ms", "199", "must be an integer in 200..600000"},
        BadValue{"agent", "metrics_maxlen", "0", "must be an integer in 1..1000000000"},
        BadValue{"scheduler", "leader_ttl_ms", "999", "must be an integer in 1000..600000"},
        BadValue{"scheduler", "dispatch_batch", "100001", "must be an integer in 1..100000"},
        BadValue{"scheduler", "import_timeout_s", "0", "must be an integer in 1..3600"},
        BadValue{"http", "scheduler_listen", "127.0.0.1", kListen},
        BadValue{"http", "scheduler_listen", "127.0.0.1:65536", kListen},
        BadValue{"http", "agent_listen", "localhost:-1", kListen},
        BadValue{"http", "agent_listen", "bad host:8786", kListen}),
    [](const ::testing::TestParamInfo<BadValue>& info) {
      return std::string(info.param.section) + "_" + info.param.key + "_" + std::to_string(info.index);
    });

TEST(Unit, SiteValuesHostPortAcceptsNamesIpv4AndBracketedIpv6) {
  auto loaded = ParseSiteConfig(
      "[redis]\nsentinels = s-1.example:1, 10.0.0.1:65535, [fe80::1]:26379\nmaster_name = m\n", "/p.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.redis.sentinels,
            (std::vector<HostPort>{{"s-1.example", 1}, {"10.0.0.1", 65535}, {"fe80::1", 26379}}));
}

}  // namespace
}  // namespace panoptes::config
