// `panoptes-ctl check` and `panoptes-ctl run` (docs/architecture.md): output lines, JSON and exit codes, with the
// shipped plugins and the fixtures. Runs the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

const std::string kSource = PANOPTES_SOURCE_DIR;

struct Output {
  int code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

// Runs panoptes-ctl with `args` and the site config `config` (PANOPTES_CONFIG).
Output Ctl(const std::vector<std::string>& args, const std::string& config) {
  TempDir dir;
  std::ostringstream cmd;  // (not operator+ chains: GCC 12 -Wrestrict false positive)
  cmd << "PANOPTES_CONFIG=" << Quote(config) << ' '
      << Quote(std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-ctl");
  for (const auto& a : args) cmd << ' ' << Quote(a);
  cmd << " >" << dir.path() << "/out 2>" << dir.path() << "/err";
  Output o;
  int status = std::system(cmd.str().c_str());
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream out, err;
  out << std::ifstream(dir.path() + "/out").rdbuf();
  err << std::ifstream(dir.path() + "/err").rdbuf();
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class CtlIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.Write("panoptes.ini",
                         "[main]\nsites = dc1\n[discovery]\nplugins_paths = " + kSource +
                             "/examples/plugins/discovery\n[enrichment]\nplugins_paths = " + kSource +
                             "/examples/plugins/enrichment\n[polling]\nplugins_paths = " + kSource +
                             "/examples/plugins/polling\n");
  }
  std::string PluginFile(const std::string& dir, const std::string& name, const std::string& module,
                         const std::string& extra = "") {
    return dir_.Write(dir + "/" + name + ".panoptes-plugin",
                      "[Core]\nName = " + name + "\nModule = " + kSource + "/tests/fixtures/python_plugins/" +
                          module + "\n" + extra +
                          "[Documentation]\nAuthor = t\nVersion = 1\nWebsite = w\nDescription = d\n"
                          "[main]\nexecute_frequency = 60\nresource_filter = resource_class = \"network\"\n");
  }
  TempDir dir_;
  std::string config_;
};

const char* kResource =
    R"({"resource_site":"dc1","resource_class":"network","resource_subclass":"switch","resource_type":"acme",)"
    R"("resource_id":"sw1","resource_endpoint":"sw1.example.com","resource_plugin":"p",)"
    R"("resource_creation_timestamp":1700000000.0,"resource_metadata":{"model":"x"}})";

TEST_F(CtlIntegration, CheckWithoutPathsValidatesEveryConfiguredPlugin) {
  Output o = Ctl({"check"}, config_);
  EXPECT_EQ(o.code, 0) << o.err;
  auto lines = Lines(o.out);
  // Sorted by kind, then file: the host examples and the SNMP examples of each kind.
  ASSERT_EQ(lines.size(), 7u) << o.out;
  EXPECT_EQ(lines[0], "OK discovery Host Discovery From JSON " + kSource +
                          "/examples/plugins/discovery/host_from_json.panoptes-plugin");
  EXPECT_EQ(lines[1].rfind("OK discovery SNMP Discovery ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("OK enrichment Interface Enrichment ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("OK enrichment SNMP Interface Enrichment ", 0), 0u) << lines[3];
  EXPECT_EQ(lines[4].rfind("OK polling Host Metrics ", 0), 0u) << lines[4];
  EXPECT_EQ(lines[5].rfind("OK polling SNMP Device Metrics ", 0), 0u) << lines[5];
  EXPECT_EQ(lines[6].rfind("OK polling SNMP Interface Metrics ", 0), 0u) << lines[6];
}

TEST_F(CtlIntegration, CheckReportsEachBadPluginAndExitsOne) {
  std::string good = PluginFile("polling", "Good", "polling_ok");
  std::string syntax = PluginFile("polling", "Syntax", "syntax_error");
  std::string ambiguous = PluginFile("polling", "Ambiguous", "ambiguous");
  std::string missing = PluginFile("polling", "Missing", "not_there");
  Output o = Ctl({"check", dir_.path() + "/polling"}, config_);
  EXPECT_EQ(o.code, 1) << o.err;
  auto lines = Lines(o.out);
  ASSERT_EQ(lines.size(), 4u) << o.out;
  // Sorted by file: Ambiguous, Good, Missing, Syntax.
  EXPECT_EQ(lines[0].rfind("ERROR " + ambiguous + ": ambiguous plugin class", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "OK polling Good " + good);
  EXPECT_EQ(lines[2].rfind("ERROR " + missing + ": ", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("not_there"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].rfind("ERROR " + syntax + ": syntax error in ", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find("syntax_error.py, line 5"), std::string::npos) << lines[3];
}

// Regression: `panoptes-ctl --config X status` was "unknown subcommand '--config'".
TEST_F(CtlIntegration, GlobalOptionsAreAcceptedBeforeAndAfterTheSubcommand) {
  Output after = Ctl({"check", "--config", config_, "--log-level", "error"}, "/nonexistent.ini");
  Output before = Ctl({"--config", config_, "--log-level=error", "check"}, "/nonexistent.ini");
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(before.code, 0) << before.err;
  EXPECT_EQ(before.out, after.out);
  Output json = Ctl({"--json", "check", "--config", config_}, "/nonexistent.ini");
  EXPECT_EQ(json.code, 0) << json.err;
  auto lines = Lines(json.out);
  ASSERT_EQ(lines.size(), 7u) << json.out;
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["status"], "ok");
  EXPECT_EQ(first["kind"], "discovery");
  EXPECT_EQ(first["name"], "Host Discovery From JSON");
  EXPECT_TRUE(first["reason"].is_null());
  Output misplaced = Ctl({"--kind", "polling", "check"}, config_);
  EXPECT_EQ(misplaced.code, 2);
  EXPECT_NE(misplaced.err.find("--kind"), std::string::npos) << misplaced.err;
}

// A file about to be dropped is judged with the configured directories: its Name must be free.
TEST_F(CtlIntegration, CheckOfAPathRejectsANameTakenInAConfiguredDirectory) {
  std::string dup = PluginFile("polling", "Host Metrics", "polling_ok");
  Output o = Ctl({"check", dup}, config_);
  EXPECT_EQ(o.code, 1) << o.err;
  auto lines = Lines(o.out);
  ASSERT_EQ(lines.size(), 1u) << o.out;
  EXPECT_EQ(lines[0].rfind("ERROR " + dup + ": duplicate Name 'Host Metrics': already defined by " + kSource +
                               "/examples/plugins/polling/",
                           0),
            0u)
      << lines[0];
}

TEST_F(CtlIntegration, CheckNeedsKindWhenPathDoesNotTellIt) {
  PluginFile("misc", "Good", "polling_ok");
  Output o = Ctl({"check", dir_.path() + "/misc"}, config_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--kind"), std::string::npos) << o.err;
  o = Ctl({"check", "--kind", "polling", dir_.path() + "/misc"}, config_);
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_EQ(Lines(o.out).size(), 1u) << o.out;
}

TEST_F(CtlIntegration, RunPrintsPollingGroupsAsJsonList) {
  std::string file = PluginFile("polling", "Good", "polling_ok");
  Output o = Ctl({"run", file, "--resource-json", kResource}, config_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["resource"]["resource_id"], "sw1");
  EXPECT_EQ(j[0]["metrics"].size(), 3u);
  EXPECT_NE(o.err.find("polling sw1"), std::string::npos) << "context.logger line on stderr: " << o.err;
  EXPECT_NE(o.err.find("print() output of polling_ok"), std::string::npos)
      << "print() goes to stderr: " << o.err;
}

TEST_F(CtlIntegration, RunReadsResourceFile) {
  std::string file = PluginFile("polling", "Good", "polling_ok");
  std::string resource = dir_.Write("resource.json", kResource);
  Output o = Ctl({"run", file, "--resource-file", resource}, config_);
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)[0]["resource"]["resource_endpoint"], "sw1.example.com");
}

TEST_F(CtlIntegration, RunOfRaisingPluginExitsOneWithTraceback) {
  std::string file = PluginFile("polling", "Raises", "outcomes", "Class = Raises\n");
  Output o = Ctl({"run", file, "--resource-json", kResource}, config_);
  EXPECT_EQ(o.code, 1);
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_NE(o.err.find("PanoptesPollingPluginError: device unreachable"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("Traceback"), std::string::npos) << o.err;
}

TEST_F(CtlIntegration, RunOfEmptyResultPrintsEmptyListAndExitsZero) {
  std::string file = PluginFile("polling", "Empty", "outcomes", "Class = EmptySet\n");
  Output o = Ctl({"run", file, "--resource-json", kResource}, config_);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "[]\n");
}

TEST_F(CtlIntegration, RunRejectsBadUsageWithExitTwo) {
  std::string file = PluginFile("polling", "Good", "polling_ok");
  Output o = Ctl({"run", file, "--resource-json", "{\"resource_id\": 1}"}, config_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("resource"), std::string::npos) << o.err;
  EXPECT_EQ(Ctl({"run"}, config_).code, 2);
  EXPECT_EQ(Ctl({"run", file, "--resource-json", kResource, "--resource-file", "x"}, config_).code, 2);
  o = Ctl({"run", dir_.path() + "/polling/nothing.panoptes-plugin"}, config_);
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("nothing.panoptes-plugin"), std::string::npos) << o.err;
}

TEST_F(CtlIntegration, ShippedDiscoveryFindsThisHost) {
  Output o = Ctl({"run", kSource + "/examples/plugins/discovery/host_from_json.panoptes-plugin"}, config_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j["resources"].size(), 1u) << o.out;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(j["resources"][0]["resource_id"], host);
  EXPECT_EQ(j["resources"][0]["resource_site"], "dc1");
  EXPECT_EQ(j["resources"][0]["resource_plugin"], "Host Discovery From JSON");
  EXPECT_EQ(j["resources"][0]["resource_metadata"]["_resource_ttl"], "900");
}

TEST_F(CtlIntegration, ShippedEnrichmentDescribesLoopback) {
  Output o =
      Ctl({"run", kSource + "/examples/plugins/enrichment/interface_enrichment.panoptes-plugin"}, config_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j.size(), 1u) << o.out;
  EXPECT_EQ(j[0]["namespace"], "interface");
  EXPECT_EQ(j[0]["metadata"]["_enrichment_ttl"], 300);
  EXPECT_EQ(j[0]["data"]["lo"]["name"], "lo");
  EXPECT_TRUE(j[0]["data"]["lo"]["mtu"].is_number_integer());
}

TEST_F(CtlIntegration, ShippedPollingReportsHostAndInterfaceMetrics) {
  Output o = Ctl({"run", kSource + "/examples/plugins/polling/host_metrics.panoptes-plugin"}, config_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  bool system = false, loopback = false;
  for (const auto& g : j) {
    std::map<std::string, nlohmann::json> m;
    for (const auto& metric : g["metrics"]) m[metric["metric_name"]] = metric;
    if (g["metrics_group_type"] == "system") {
      system = true;
      EXPECT_EQ(m["load1"]["metric_type"], "gauge");
      EXPECT_GT(m["memory_total_bytes"]["metric_value"].get<int64_t>(), 0);
      EXPECT_EQ(m["cpu_user_seconds"]["metric_type"], "counter");
    }
    if (g["metrics_group_type"] == "interface" && g["dimensions"][0]["dimension_value"] == "lo") {
      loopback = true;
      EXPECT_EQ(g["dimensions"][0]["dimension_name"], "interface_name");
      EXPECT_EQ(m["bytes_in"]["metric_type"], "counter");
      EXPECT_TRUE(m["packets_out"]["metric_value"].is_number_integer());
    }
  }
  EXPECT_TRUE(system) << o.out;
  EXPECT_TRUE(loopback) << o.out;
}

}  // namespace
}  // namespace panoptes::testing
