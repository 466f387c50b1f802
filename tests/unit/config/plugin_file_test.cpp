#include "config/plugin_file.h"

#include <gtest/gtest.h>

#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

using testing::Fixture;

std::string Good(const std::string& name) {
  return "fixtures/plugin_files/good/" + name + ".panoptes-plugin";
}

TEST(Unit, PluginFileReadsEveryKeyOfPollingFile) {
  auto info = LoadPluginFile(Good("polling_full"), PluginKind::kPolling);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->kind, PluginKind::kPolling);
  EXPECT_EQ(info->name, "Interface_Metrics v2");
  EXPECT_EQ(info->normalized_name, "Interface__Metrics_v2");
  EXPECT_EQ(info->file, Fixture("plugin_files/good/polling_full.panoptes-plugin"));
  EXPECT_EQ(info->module_path, Fixture("plugin_files/modules/polling_example.py"));
  EXPECT_EQ(info->class_name, "ExamplePollingPlugin");
  EXPECT_EQ(info->execute_frequency, 60);
  EXPECT_EQ(info->resource_filter, "resource_class = \"network\" AND resource_type = \"switch\"");
  EXPECT_EQ(info->results_cache_age, 30);
  EXPECT_EQ(info->enrichment_ttl, 500);
  EXPECT_EQ(info->resource_ttl, 3600);
  EXPECT_DOUBLE_EQ(info->time_limit, 12.5);
  EXPECT_EQ(info->expires, 90);
  EXPECT_EQ(info->preload,
            (std::vector<PreloadSpec>{
                {true, "", "interface"}, {false, "router1.dc1", "neighbors"}, {true, "", "*"}}));
  EXPECT_GT(info->file_mtime_ns, 0);
  EXPECT_GT(info->module_mtime_ns, 0);
}

TEST(Unit, PluginFileKeepsEverySectionWithLowercasedKeys) {
  auto info = LoadPluginFile(Good("polling_full"), PluginKind::kPolling);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const IniSections& s = info->sections;
  EXPECT_EQ(s.at("Core").at("name"), "Interface_Metrics v2");
  EXPECT_EQ(s.at("Core").at("module"), "../modules/polling_example.py") << "as written, not resolved";
  EXPECT_EQ(s.at("Documentation").at("author"), "Panoptes C++ tests");
  EXPECT_EQ(s.at("main").at("execute_frequency"), "60");
  EXPECT_EQ(s.at("snmp").at("max_repetitions"), "25");
  EXPECT_EQ(s.at("enrichment").at("preload"), "self:interface, router1.dc1:neighbors ,self:*");
  EXPECT_EQ(s.size(), 5u);
}

TEST(Unit, PluginFileAppliesDefaultsFromExecuteFrequency) {
  auto info = LoadPluginFile(Good("polling_defaults"), PluginKind::kPolling);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->module_path, Fixture("plugin_files/modules/polling_example.py")) << ".py may be omitted";
  EXPECT_EQ(info->class_name, "");
  EXPECT_EQ(info->results_cache_age, 0);
  EXPECT_EQ(info->enrichment_ttl, 180);
  EXPECT_EQ(info->resource_ttl, 604800);
  EXPECT_DOUBLE_EQ(info->time_limit, 75.0);
  EXPECT_EQ(info->expires, 120);
  EXPECT_TRUE(info->preload.empty());
  EXPECT_TRUE(info->sections.at("Documentation").empty()) << "an empty section is still listed";
}

TEST(Unit, PluginFileDiscoveryNeedsNoFilter) {
  auto info = LoadPluginFile(Good("discovery"), PluginKind::kDiscovery);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->resource_filter, "");
  EXPECT_EQ(info->resource_ttl, 900);
  EXPECT_EQ(info->sections.at("main").at("config_file"), "localhost.json");
}

TEST(Unit, PluginFileDiscoveryFilterIsIgnoredWithWarning) {
  auto info = LoadPluginFile(Good("discovery_with_filter"), PluginKind::kDiscovery);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->resource_filter, "") << "a discovery plugin is never run on resources";
  ASSERT_EQ(info->warnings.size(), 1u);
  EXPECT_EQ(info->warnings[0], Fixture("plugin_files/good/discovery_with_filter.panoptes-plugin") +
                                   ":10: [main] resource_filter ignored: discovery plugins find resources, "
                                   "they are not run on them");
}

TEST(Unit, PluginFileEnrichmentMayPreload) {
  auto info = LoadPluginFile(Good("enrichment_with_preload"), PluginKind::kEnrichment);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->preload, (std::vector<PreloadSpec>{{true, "", "interface"}}));
  EXPECT_TRUE(info->warnings.empty());
}

TEST(Unit, PluginFileDiscoveryMayNotPreload) {
  testing::TempDir dir;
  std::string file = dir / "d.panoptes-plugin";
  testing::WriteFile(file,
                     "[Core]\nName = d\nModule = " + Fixture("plugin_files/modules/discovery_example.py") +
                         "\n[Documentation]\n[main]\nexecute_frequency = 60\n[enrichment]\npreload = "
                         "self:interface\n");
  auto info = LoadPluginFile(file, PluginKind::kDiscovery);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().message(), file +
                                         ":8: [enrichment] preload = self:interface: discovery plugins have "
                                         "no resource to preload enrichments for");
}

TEST(Unit, PluginFileKeepsValidSnmpKeysAsStrings) {
  testing::TempDir dir;
  std::string file = dir / "p.panoptes-plugin";
  testing::WriteFile(file, testing::PollingPluginText("p") +
                               "[snmp]\nport = 10161\nversion = 2\ncommunity = my community\n"
                               "my_own_key = anything\n[x509]\nx509_secured_requests = 2\n");
  auto info = LoadPluginFile(file, PluginKind::kPolling);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->sections.at("snmp").at("port"), "10161");
  EXPECT_EQ(info->sections.at("snmp").at("version"), "2") << "as written: the plugin reads strings";
  EXPECT_EQ(info->sections.at("snmp").at("my_own_key"), "anything") << "unknown keys are the plugin's";
  EXPECT_EQ(info->sections.at("x509").at("x509_secured_requests"), "2");
}

TEST(Unit, PluginFileJoinsContinuationLinesOfFilter) {
  auto info = LoadPluginFile(Good("enrichment"), PluginKind::kEnrichment);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->resource_filter, "resource_class = \"network\"\nAND resource_type = \"switch\"");
  EXPECT_EQ(info->enrichment_ttl, 900);
}

TEST(Unit, PluginFileValidityDependsOnKind) {
  auto polling_as_discovery = LoadPluginFile(Good("polling_defaults"), PluginKind::kDiscovery);
  ASSERT_TRUE(polling_as_discovery.ok()) << "a filter on a discovery plugin is only a warning";
  EXPECT_EQ(polling_as_discovery->warnings.size(), 1u);
  auto discovery_as_enrichment = LoadPluginFile(Good("discovery"), PluginKind::kEnrichment);
  ASSERT_FALSE(discovery_as_enrichment.ok());
  EXPECT_EQ(discovery_as_enrichment.status().message(),
            Fixture("plugin_files/good/discovery.panoptes-plugin") +
                ": [main] resource_filter is missing (mandatory for enrichment plugins)");
}

TEST(Unit, PluginFileMissingFileIsNotFound) {
  auto info = LoadPluginFile("fixtures/plugin_files/good/nope.panoptes-plugin", PluginKind::kPolling);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(info.status().message(),
            Fixture("plugin_files/good/nope.panoptes-plugin") + ": cannot open: No such file or directory");
}

struct BadFile {
  const char* file;  // under fixtures/plugin_files/bad/, without extension
  PluginKind kind;
  std::string expected;  // the message after "<absolute file>"
};

void PrintTo(const BadFile& b, std::ostream* os) {
  *os << b.file;
}

class PluginFileBad : public ::testing::TestWithParam<BadFile> {};

TEST_P(PluginFileBad, IsRejectedNamingFileLineKeyAndReason) {
  const BadFile& b = GetParam();
  std::string rel = std::string("plugin_files/bad/") + b.file + ".panoptes-plugin";
  auto info = LoadPluginFile("fixtures/" + rel, b.kind);
  ASSERT_FALSE(info.ok()) << b.file << " was accepted";
  EXPECT_EQ(info.status().message(), Fixture(rel) + b.expected);
}

const std::string kModules = Fixture("plugin_files/modules");
constexpr PluginKind kPoll = PluginKind::kPolling;

INSTANTIATE_TEST_SUITE_P(
    Unit, PluginFileBad,
    ::testing::Values(
        BadFile{"missing_core", kPoll, ": missing mandatory section [Core]"},
        BadFile{"missing_name", kPoll, ": [Core] Name is missing (mandatory)"},
        BadFile{"empty_name", kPoll, ":2: [Core] Name = : must not be empty"},
        BadFile{"missing_module_key", kPoll, ": [Core] Module is missing (mandatory)"},
        BadFile{"module_not_found", kPoll,
                ":3: [Core] Module = ../modules/does_not_exist: module file " + kModules +
                    "/does_not_exist.py does not exist"},
        BadFile{"module_is_directory", kPoll,
                ":3: [Core] Module = ../modules/package_dir.py: module file " + kModules +
                    "/package_dir.py is not a regular file"},
        BadFile{"bad_class", kPoll, ":4: [Core] Class = 9Lives-Plugin: must be a Python class name"},
        BadFile{"missing_documentation", kPoll, ": missing mandatory section [Documentation]"},
        BadFile{"missing_main", kPoll, ": missing mandatory section [main]"},
        BadFile{"missing_frequency", kPoll, ": [main] execute_frequency is missing (mandatory)"},
        BadFile{"zero_frequency", kPoll,
                ":9: [main] execute_frequency = 0: must be an integer in 1..31536000 (seconds)"},
        BadFile{"text_frequency", kPoll,
                ":9: [main] execute_frequency = every minute: must be an integer in 1..31536000 (seconds)"},
        BadFile{"huge_frequency", kPoll,
                ":9: [main] execute_frequency = 99999999999: must be an integer in 1..31536000 (seconds)"},
        BadFile{"missing_filter", kPoll,
                ": [main] resource_filter is missing (mandatory for polling plugins)"},
        BadFile{"empty_filter", kPoll, ":10: [main] resource_filter = : must not be empty"},
        BadFile{"negative_cache_age", kPoll,
                ":11: [main] results_cache_age = -5: must be an integer in 0..31536000 (seconds)"},
        BadFile{"zero_enrichment_ttl", kPoll,
                ":11: [main] enrichment_ttl = 0: must be an integer in 1..31536000 (seconds)"},
        BadFile{"bad_resource_ttl", kPoll,
                ":11: [main] resource_ttl = 1w: must be an integer in 1..31536000 (seconds)"},
        BadFile{"bad_time_limit", kPoll,
                ":11: [main] time_limit = -1.5: must be a number of seconds in (0, 31536000]"},
        BadFile{"nan_time_limit", kPoll,
                ":11: [main] time_limit = nan: must be a number of seconds in (0, 31536000]"},
        BadFile{"bad_expires", kPoll, ":11: [main] expires = 0: must be an integer in 1..31536000 (seconds)"},
        BadFile{"preload_no_colon", kPoll,
                ":13: [enrichment] preload = self: item 'self': must be a comma list of self:<namespace> or "
                "<resource_id>:<namespace>"},
        BadFile{
            "preload_two_colons", kPoll,
            ":13: [enrichment] preload = self:a:b: item 'self:a:b': must be a comma list of self:<namespace> "
            "or <resource_id>:<namespace>"},
        BadFile{"preload_empty_namespace", kPoll,
                ":13: [enrichment] preload = self:interface, host1:: item 'host1:': must be a comma list of "
                "self:<namespace> or <resource_id>:<namespace> (namespace: letters, digits, '_-.' or '*')"},
        BadFile{
            "preload_bad_namespace", kPoll,
            ":13: [enrichment] preload = self:inter face: item 'self:inter face': must be a comma list of "
            "self:<namespace> or <resource_id>:<namespace> (namespace: letters, digits, '_-.' or '*')"},
        BadFile{"duplicate_key", kPoll,
                ":11: [main] duplicate key 'execute_frequency' (first set on line 9)"},
        BadFile{"syntax_error", kPoll, ":8: INI syntax error: section header without ']'"},
        BadFile{"no_equals", kPoll,
                ":9: INI syntax error: expected '[section]' or 'key = value', got 'execute_frequency 60'"},
        BadFile{"key_before_section", kPoll, ":1: key 'name' appears before any [section] header"},
        BadFile{
            "long_line", kPoll,
            ":10: line is longer than 199 characters; split a long value over indented continuation lines"},
        BadFile{"snmp_bad_port", kPoll, ":13: [snmp] port = 70000: must be an integer in 1..65535"},
        BadFile{"snmp_bad_timeout", kPoll, ":13: [snmp] timeout = 0: must be an integer in 1..120 (seconds)"},
        BadFile{"snmp_bad_version", kPoll,
                ":13: [snmp] version = v4: unknown SNMP version: must be 1, 2c (or 2) or 3"},
        BadFile{"x509_bad_secured", kPoll,
                ":13: [x509] x509_secured_requests = 3: must be an integer in 0..2 (0 no x509, 1 where "
                "available, 2 mandatory)"}),
    [](const ::testing::TestParamInfo<BadFile>& info) { return std::string(info.param.file); });

}  // namespace
}  // namespace panoptes::config
