#include "config/site_config.h"

#include <gtest/gtest.h>

#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

using testing::Fixture;
using testing::RefusedWithReason;
using testing::SiteConfigError;

TEST(Unit, SiteConfigDefaultsApplyWhenFileHasNoKeys) {
  auto loaded = LoadSiteConfig("fixtures/config/minimal.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const SiteConfig& c = loaded->config;
  const SiteConfig defaults;
  EXPECT_TRUE(loaded->warnings.empty());
  EXPECT_EQ(c.source_path, Fixture("config/minimal.ini"));
  EXPECT_EQ(c.main.sites, defaults.main.sites);
  EXPECT_EQ(c.main.plugins_extension, "panoptes-plugin");
  EXPECT_EQ(c.redis.host, "127.0.0.1");
  EXPECT_EQ(c.redis.port, 6379);
  EXPECT_EQ(c.redis.key_prefix, "panoptes");
  EXPECT_TRUE(c.redis.password.empty());
  EXPECT_TRUE(c.redis.sentinels.empty());
  EXPECT_EQ(c.agent.workers, 2);
  EXPECT_EQ(c.Kind(PluginKind::kPolling).plugin_scan_interval, 60);
  EXPECT_EQ(c.http.agent_listen, (HostPort{"127.0.0.1", 8786}));
  // [snmp] and [x509]: the original Panoptes' defaults.
  EXPECT_EQ(c.snmp.connection_factory_module, "yahoo_panoptes.plugins.helpers.snmp_connections");
  EXPECT_EQ(c.snmp.connection_factory_class, "PanoptesSNMPConnectionFactory");
  EXPECT_EQ(c.snmp.community, "public");
  EXPECT_EQ(c.snmp.community_string_key, "snmp_community_string");
  EXPECT_EQ(c.snmp.version, "2c");
  EXPECT_EQ(c.snmp.timeout, 5);
  EXPECT_EQ(c.snmp.retries, 1);
  EXPECT_EQ(c.snmp.non_repeaters, 0);
  EXPECT_EQ(c.snmp.max_repetitions, 25);
  EXPECT_EQ(c.snmp.port, 161);
  EXPECT_EQ(c.snmp.proxy_port, 10161);
  EXPECT_EQ(c.x509.x509_secured_requests, 0);
  EXPECT_EQ(c.x509.x509_cert_location, "/home/panoptes/x509/certs");
  EXPECT_EQ(c.x509.x509_cert_filename, "panoptes.pem");
  EXPECT_EQ(c.x509.x509_key_location, "/home/panoptes/x509/keys");
  EXPECT_EQ(c.x509.x509_key_filename, "panoptes.key");
}

TEST(Unit, SiteConfigReadsEveryKeyOfFullFile) {
  auto loaded = LoadSiteConfig("fixtures/config/full.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->warnings.empty()) << loaded->warnings.front();
  const SiteConfig& c = loaded->config;
  EXPECT_EQ(c.main.sites, (std::vector<std::string>{"dc1", "dc2", "dc-3_x"}));
  EXPECT_EQ(c.main.plugins_extension, "plugin.ini");
  EXPECT_EQ(c.main.plugins_skew, 5);
  EXPECT_EQ(c.redis.host, "redis.example.internal");
  EXPECT_EQ(c.redis.port, 6380);
  EXPECT_EQ(c.redis.db, 3);
  EXPECT_EQ(c.redis.password_file, Fixture("config/redis_password.txt"));
  EXPECT_EQ(c.redis.password, "s3cr3t-pa ss") << "trailing newline stripped, inner blank kept";
  EXPECT_EQ(c.redis.sentinels,
            (std::vector<HostPort>{{"127.0.0.1", 26379}, {"::1", 26380}, {"sentinel-3.example", 26381}}));
  EXPECT_EQ(c.redis.master_name, "mymaster");
  EXPECT_EQ(c.redis.key_prefix, "pano:test");
  EXPECT_EQ(c.redis.connect_timeout_ms, 1500);
  EXPECT_EQ(c.redis.io_timeout_ms, 7000);
  EXPECT_EQ(c.redis.reconnect_max_backoff_ms, 8000);
  EXPECT_EQ(c.Kind(PluginKind::kDiscovery).plugins_paths,
            (std::vector<std::string>{Fixture("plugin_files/good"), "/opt/panoptes/discovery"}));
  EXPECT_EQ(c.Kind(PluginKind::kDiscovery).plugin_scan_interval, 30);
  EXPECT_EQ(c.Kind(PluginKind::kEnrichment).plugins_paths,
            (std::vector<std::string>{Fixture("plugin_files/scan"), "/opt/panoptes/enrichment"}))
      << "continuation lines extend a list";
  EXPECT_EQ(c.Kind(PluginKind::kEnrichment).plugin_scan_interval, 45);
  EXPECT_TRUE(c.Kind(PluginKind::kPolling).plugins_paths.empty());
  EXPECT_EQ(c.Kind(PluginKind::kPolling).plugin_scan_interval, 86400);
  EXPECT_EQ(c.agent.workers, 8);
  EXPECT_EQ(c.agent.max_tasks_per_worker, 500);
  EXPECT_EQ(c.agent.max_worker_rss_mb, 1024);
  EXPECT_EQ(c.agent.shutdown_grace_s, 10);
  EXPECT_EQ(c.agent.heartbeat_interval_ms, 500);
  EXPECT_EQ(c.agent.heartbeat_ttl_ms, 5000);
  EXPECT_EQ(c.agent.metrics_maxlen, 2000);
  EXPECT_EQ(c.scheduler.leader_ttl_ms, 3000);
  EXPECT_EQ(c.scheduler.dispatch_batch, 50);
  EXPECT_EQ(c.scheduler.import_timeout_s, 10);
  EXPECT_EQ(c.python.path,
            (std::vector<std::string>{Fixture("plugin_files/modules"), "/usr/lib/panoptes/python"}));
  EXPECT_EQ(c.http.scheduler_listen, (HostPort{"0.0.0.0", 9785}));
  EXPECT_EQ(c.http.agent_listen, (HostPort{"::1", 0}));
  EXPECT_EQ(c.snmp.connection_factory_module, "site_helpers.snmp");
  EXPECT_EQ(c.snmp.connection_factory_class, "SiteSNMPConnectionFactory");
  EXPECT_EQ(c.snmp.community, "not public");
  EXPECT_EQ(c.snmp.community_string_key, "snmp_community");
  EXPECT_EQ(c.snmp.version, "3");
  EXPECT_EQ(c.snmp.timeout, 120);
  EXPECT_EQ(c.snmp.retries, 10);
  EXPECT_EQ(c.snmp.non_repeaters, 65535);
  EXPECT_EQ(c.snmp.max_repetitions, 1);
  EXPECT_EQ(c.snmp.port, 1161);
  EXPECT_EQ(c.snmp.proxy_port, 1);
  EXPECT_EQ(c.snmp.v3_username, "poller");
  EXPECT_EQ(c.snmp.v3_security_level, "authNoPriv");
  EXPECT_EQ(c.snmp.v3_auth_protocol, "MD5");
  EXPECT_EQ(c.snmp.v3_privacy_protocol, "DES");
  EXPECT_EQ(c.snmp.v3_context, "ctx1");
  EXPECT_EQ(c.snmp.v3_auth_password_key, "site_v3_auth");
  EXPECT_EQ(c.snmp.v3_privacy_password_key, "snmp_v3_privacy_password");
  EXPECT_EQ(c.x509.x509_secured_requests, 2);
  EXPECT_EQ(c.x509.x509_cert_location, Fixture("config/certs")) << "relative to the INI file";
  EXPECT_EQ(c.x509.x509_cert_filename, "client.pem");
  EXPECT_EQ(c.x509.x509_key_location, "/srv/keys");
  EXPECT_EQ(c.x509.x509_key_filename, "client.key");
}

TEST(Unit, SiteConfigShippedExampleLoadsWithoutWarnings) {
  auto loaded = LoadSiteConfig(PANOPTES_SOURCE_DIR "/config/panoptes.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (const std::string& w : loaded->warnings) ADD_FAILURE() << "unexpected warning: " << w;
  EXPECT_EQ(loaded->config.main.sites, (std::vector<std::string>{"dc1"}));
  EXPECT_EQ(loaded->config.Kind(PluginKind::kPolling).plugins_paths,
            (std::vector<std::string>{"/etc/panoptes/plugins/polling"}));
}

TEST(Unit, SiteConfigWarnsOnUnknownSectionAndKeyAndCarriesOn) {
  auto loaded = LoadSiteConfig("fixtures/config/unknown.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const std::string file = "fixtures/config/unknown.ini";
  EXPECT_EQ(loaded->warnings, (std::vector<std::string>{file + ":3: [main] unknown key 'colour' ignored",
                                                        file + ":5: unknown section [kafka] ignored"}));
  EXPECT_EQ(loaded->config.main.sites, (std::vector<std::string>{"dc1"}));
  EXPECT_EQ(loaded->config.redis.port, 6390) << "key names are case-insensitive";
}

TEST(Unit, SiteConfigBadValueNamesFileLineSectionKeyValueAndRange) {
  auto loaded = LoadSiteConfig("fixtures/config/bad_port.ini");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(loaded.status().message(),
            "fixtures/config/bad_port.ini:4: [redis] port = 70000: must be an integer in 1..65535");
}

TEST(Unit, SiteConfigSyntaxErrorNamesFileAndLine) {
  auto loaded = LoadSiteConfig("fixtures/config/syntax_error.ini");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "fixtures/config/syntax_error.ini:3: INI syntax error: section header without ']'");
}

TEST(Unit, SiteConfigMissingFileIsNotFoundNamingIt) {
  auto loaded = LoadSiteConfig("/nonexistent/panoptes.ini");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(loaded.status().message(), "/nonexistent/panoptes.ini: cannot open: No such file or directory");
}

TEST(Unit, SiteConfigMissingPasswordFileIsErrorNamingResolvedPath) {
  auto loaded = LoadSiteConfig("fixtures/config/missing_password.ini");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "fixtures/config/missing_password.ini:2: [redis] password_file = no_such_password_file.txt: must "
            "name a readable file; " +
                Fixture("config/no_such_password_file.txt") + " is not a regular file");
}

TEST(Unit, SiteConfigRejectsEmptyPasswordFileAndDirectory) {
  std::string empty =
      SiteConfigError("[redis]\npassword_file = empty_password.txt\n", Fixture("config/x.ini"));
  EXPECT_NE(empty.find(":2: [redis] password_file = empty_password.txt: the file " +
                       Fixture("config/empty_password.txt") + " is empty"),
            std::string::npos)
      << empty;
  std::string dir = SiteConfigError("[redis]\npassword_file = .\n", Fixture("config/x.ini"));
  EXPECT_NE(dir.find("is not a regular file"), std::string::npos) << dir;
}

TEST(Unit, SiteConfigRelativePathsAreTakenFromTheIniDirectory) {
  auto loaded =
      ParseSiteConfig("[polling]\nplugins_paths = plugins/polling, /abs/p, ../x\n[python]\npath = lib\n",
                      "/etc/panoptes/panoptes.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.Kind(PluginKind::kPolling).plugins_paths,
            (std::vector<std::string>{"/etc/panoptes/plugins/polling", "/abs/p", "/etc/x"}));
  EXPECT_EQ(loaded->config.python.path, (std::vector<std::string>{"/etc/panoptes/lib"}));
  EXPECT_EQ(loaded->config.source_path, "/etc/panoptes/panoptes.ini");
}

TEST(Unit, SiteConfigSentinelsRequireMasterName) {
  auto loaded = LoadSiteConfig("fixtures/config/sentinels_without_master.ini");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "fixtures/config/sentinels_without_master.ini:2: [redis] master_name: "
            "required when [redis] sentinels is set");
  auto with_master = ParseSiteConfig("[redis]\nsentinels = 127.0.0.1:26379\nmaster_name = m\n", "/p.ini");
  EXPECT_TRUE(with_master.ok()) << with_master.status().ToString();
}

TEST(Unit, SiteConfigHeartbeatTtlMustExceedInterval) {
  EXPECT_EQ(SiteConfigError("[agent]\nheartbeat_interval_ms = 2000\nheartbeat_ttl_ms = 2000\n", "/p.ini"),
            "/p.ini:3: [agent] heartbeat_ttl_ms (2000) must be greater than heartbeat_interval_ms (2000)");
  std::string only_interval = SiteConfigError("[agent]\nheartbeat_interval_ms = 20000\n", "/p.ini");
  EXPECT_NE(only_interval.find("/p.ini:2: [agent] heartbeat_ttl_ms (10000)"), std::string::npos)
      << only_interval;
}

TEST(Unit, SiteConfigQuarantineAndFreshnessKeysHaveDefaultsAndRanges) {
  auto defaults = ParseSiteConfig("", "/p.ini");
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->config.agent.quarantine_after, 3);
  EXPECT_EQ(defaults->config.agent.quarantine_backoff_max_s, 3600);
  EXPECT_EQ(defaults->config.agent.stale_after_cycles, 3);
  auto set = ParseSiteConfig(
      "[agent]\nquarantine_after = 0\nquarantine_backoff_max_s = 60\nstale_after_cycles = 5\n", "/p.ini");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->config.agent.quarantine_after, 0) << "0 turns quarantine off";
  EXPECT_EQ(set->config.agent.quarantine_backoff_max_s, 60);
  EXPECT_EQ(set->config.agent.stale_after_cycles, 5);
  EXPECT_TRUE(RefusedWithReason({"agent", "stale_after_cycles", "0", "must be an integer in 1..1000"}));
  EXPECT_TRUE(
      RefusedWithReason({"agent", "quarantine_backoff_max_s", "604801", "must be an integer in 1..604800"}));
}

TEST(Unit, SiteConfigNeverPutsThePasswordInMessages) {
  std::string error =
      SiteConfigError("[redis]\npassword_file = redis_password.txt\nport = 0\n", Fixture("config/x.ini"));
  ASSERT_FALSE(error.empty());
  EXPECT_EQ(error.find("s3cr3t"), std::string::npos) << error;
  auto unknown =
      ParseSiteConfig("[redis]\npassword_file = redis_password.txt\npassword = x\n", Fixture("config/x.ini"));
  ASSERT_TRUE(unknown.ok());
  ASSERT_EQ(unknown->warnings.size(), 1u) << "inline passwords are not a key";
  EXPECT_EQ(unknown->warnings[0].find("s3cr3t"), std::string::npos);
}

TEST(Unit, SiteConfigAcceptsInlineCommentsAndColonSeparator) {
  auto loaded = ParseSiteConfig("[redis]\nport: 6390 ; non-default\ndb = 2\n", "/p.ini");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.redis.port, 6390);
  EXPECT_EQ(loaded->config.redis.db, 2);
}

}  // namespace
}  // namespace panoptes::config
