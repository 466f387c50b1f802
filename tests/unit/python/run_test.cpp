// Running plugins: outcomes, conversion to the model and its docs/plugin-api.md JSON, context services,
// enrichment preload and logging.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <nlohmann/json.hpp>

#include "core/logging.h"
#include "model/json.h"
#include "plugin/memory_services.h"
#include "python_env.h"

namespace panoptes::testing {
namespace {

struct Services {
  plugin::MemoryKvStore kv;
  plugin::MemorySecretStore secrets;
  plugin::MemoryEnrichmentSource enrichment;
};

python::RunOutcome RunFixture(python::PluginHost& host, PluginKind kind, const std::string& module,
                              const std::string& class_name, Services& services,
                              std::optional<Resource> resource) {
  python::RunInput input;
  input.resource = std::move(resource);
  input.sites = {"dc1", "dc2"};
  input.services = {&services.kv, &services.secrets, &services.enrichment};
  input.signature = "sig";
  input.task_id = "task-1";
  return host.Run(FixturePlugin(kind, module, class_name), input);
}

python::RunOutcome RunPolling(const std::string& module, const std::string& class_name = "") {
  python::PluginHost host(TestInterpreter());
  Services services;
  return RunFixture(host, PluginKind::kPolling, module, class_name, services, TestResource());
}

TEST(Unit, PollingResultConvertsToSpecJson) {
  auto outcome = RunPolling("polling_ok");
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& groups = std::get<PollingResult>(outcome.result).groups;
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].resource, TestResource()) << "the resource reaches the plugin and comes back unchanged";
  auto j = nlohmann::json::parse(model::SerializeMetricsGroup(groups[0]));
  EXPECT_EQ(j["metrics_group_type"], "interface");
  EXPECT_TRUE(j["metrics_group_interval"].is_number_integer());
  EXPECT_TRUE(j["metrics_group_creation_timestamp"].is_number_float());
  EXPECT_EQ(j["metrics_group_schema_version"], "0.2");
  EXPECT_EQ(j["resource"]["resource_id"], "host-1");
  EXPECT_EQ(j["resource"]["resource_metadata"]["model"], "x1");
  ASSERT_EQ(j["metrics"].size(), 3u);
  std::map<std::string, nlohmann::json> metrics;
  for (const auto& m : j["metrics"]) metrics[m["metric_name"]] = m;
  EXPECT_EQ(metrics["bytes_in"]["metric_value"], 12345678901LL);
  EXPECT_TRUE(metrics["bytes_in"]["metric_value"].is_number_integer());
  EXPECT_EQ(metrics["bytes_in"]["metric_type"], "counter");
  EXPECT_TRUE(metrics["utilization"]["metric_value"].is_number_float());
  EXPECT_EQ(metrics["utilization"]["metric_type"], "gauge");
  EXPECT_TRUE(metrics["errors"]["metric_creation_timestamp"].is_number_float());
  ASSERT_EQ(j["dimensions"].size(), 2u);
  EXPECT_EQ(j["dimensions"][0]["dimension_name"], "alias");
  EXPECT_EQ(j["dimensions"][1]["dimension_name"], "interface_name");
  EXPECT_EQ(j["dimensions"][1]["dimension_value"], "eth0");
}

TEST(Unit, OriginalStylePluginRuns) {
  auto outcome = RunPolling("original_style");
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& g = std::get<PollingResult>(outcome.result).groups.at(0);
  EXPECT_EQ(g.group_type, "original");
  EXPECT_EQ(g.dimensions.at(0).value, "dc1");
}

TEST(Unit, RaisingPluginIsAnErrorOutcomeWithTraceback) {
  auto outcome = RunPolling("outcomes", "Raises");
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("PanoptesPollingPluginError: device unreachable"), std::string::npos)
      << outcome.error;
  EXPECT_NE(outcome.error.find("outcomes.py\", line"), std::string::npos) << outcome.error;
}

TEST(Unit, InvalidMetricInsideRunIsAnErrorOutcome) {
  auto outcome = RunPolling("outcomes", "BadMetric");
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("ValueError: metric name \"1bad\""), std::string::npos) << outcome.error;
}

TEST(Unit, NoneAndEmptySetAreEmptyOutcomes) {
  EXPECT_EQ(RunPolling("outcomes", "ReturnsNone").status, python::RunStatus::kEmpty);
  EXPECT_EQ(RunPolling("outcomes", "EmptySet").status, python::RunStatus::kEmpty);
}

TEST(Unit, SystemExitInPluginIsAnErrorOutcome) {
  auto outcome = RunPolling("outcomes", "CallsExit");
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("SystemExit"), std::string::npos) << outcome.error;
}

TEST(Unit, ContextCarriesConfigSitesAndResource) {
  auto outcome = RunPolling("outcomes", "ChecksContext");
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty) << outcome.error;
}

TEST(Unit, WrongResultTypeIsAnErrorOutcome) {
  auto outcome = RunPolling("outcomes", "WrongType");
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("run() returned PanoptesResourceSet, expected PanoptesMetricsGroupSet"),
            std::string::npos)
      << outcome.error;
  EXPECT_EQ(RunPolling("outcomes", "ReturnsDict").status, python::RunStatus::kError);
}

TEST(Unit, LoadErrorIsAnErrorOutcomeOfRun) {
  auto outcome = RunPolling("syntax_error");
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("syntax error"), std::string::npos) << outcome.error;
}

TEST(Unit, ContextKvAndSecretsReachTheServicesAndInstanceIsCached) {
  python::PluginHost host(TestInterpreter());
  Services services;
  services.secrets.Put("snmp_community:default", "public");
  for (int run = 1; run <= 2; ++run) {
    auto outcome = RunFixture(host, PluginKind::kPolling, "outcomes", "Counts", services, TestResource());
    ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
    std::map<std::string, MetricValue> m;
    for (const auto& metric : std::get<PollingResult>(outcome.result).groups.at(0).metrics)
      m[metric.name] = metric.value;
    EXPECT_EQ(std::get<int64_t>(m["runs"]), run) << "one instance across runs";
    EXPECT_EQ(std::get<int64_t>(m["previous"]), run - 1) << "kv.getset returned the previous value";
    EXPECT_GE(std::get<int64_t>(m["ttl"]), 99);
    EXPECT_EQ(std::get<int64_t>(m["secret_len"]), 6) << "secrets.get_by_site fell back to :default";
  }
  EXPECT_EQ(**services.kv.Get("runs"), "2");
  EXPECT_EQ(*services.kv.SetMembers("seen"), std::vector<std::string>{"host-1"});
}

TEST(Unit, KvWithoutServiceRaisesInsideThePlugin) {
  python::PluginHost host(TestInterpreter());
  python::RunInput input;
  input.resource = TestResource();
  input.sites = {"dc1"};
  auto outcome = host.Run(FixturePlugin(PluginKind::kPolling, "outcomes", "Counts"), input);
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("PanoptesPluginRuntimeError"), std::string::npos) << outcome.error;
}

TEST(Unit, DiscoveryResultIsSortedResources) {
  python::PluginHost host(TestInterpreter());
  Services services;
  auto outcome = RunFixture(host, PluginKind::kDiscovery, "discovery_ok", "", services, std::nullopt);
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& resources = std::get<DiscoveryResult>(outcome.result).resources;
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[0].id, "host-a");
  EXPECT_EQ(resources[0].site, "dc1");
  EXPECT_EQ(resources[0].metadata.at("os"), "linux");
  EXPECT_EQ(resources[0].metadata.at("_resource_ttl"), "604800");
  EXPECT_DOUBLE_EQ(resources[0].creation_timestamp, 1700000000.5);
  auto j = nlohmann::json::parse(model::SerializeResources(resources));
  EXPECT_EQ(j["resources"][1]["resource_endpoint"], "host-b.example.com");
  EXPECT_EQ(j["resources"][1]["resource_plugin"], "TwoHosts");
  const double set_ts = std::get<DiscoveryResult>(outcome.result).creation_timestamp;
  EXPECT_NEAR(set_ts, static_cast<double>(std::time(nullptr)), 60) << "the set's own creation time";
}

TEST(Unit, EnrichmentResultFeedsPreloadOfPollingPlugin) {
  python::PluginHost host(TestInterpreter());
  Services services;
  auto outcome = RunFixture(host, PluginKind::kEnrichment, "enrichment_ok", "", services, TestResource());
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& groups = std::get<EnrichmentResult>(outcome.result).groups;
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].namespace_, "interface");
  EXPECT_EQ(groups[0].ttl, 300);
  EXPECT_EQ(groups[0].interval, 60);
  EXPECT_EQ(groups[0].resource.id, "host-1");
  auto j = nlohmann::json::parse(model::SerializeEnrichmentGroup(groups[0]));
  EXPECT_EQ(j["data"]["eth0"]["speed"], 1000);
  EXPECT_EQ(j["data"]["eth0"]["up"], true);
  EXPECT_EQ(j["metadata"]["_enrichment_ttl"], 300);
  EXPECT_EQ(j["metadata"]["_execute_frequency"], 60);
  EXPECT_TRUE(j["metadata"]["_enrichment_group_creation_timestamp"].is_number_float());

  services.enrichment.Put("host-1", "interface", model::SerializeEnrichmentGroup(groups[0]));
  PluginInfo reader = FixturePlugin(PluginKind::kPolling, "enrichment_reader");
  reader.preload = {{true, "", "interface"}};
  python::RunInput input;
  input.resource = TestResource();
  input.sites = {"dc1"};
  input.services = {&services.kv, &services.secrets, &services.enrichment};
  auto polled = host.Run(reader, input);
  ASSERT_EQ(polled.status, python::RunStatus::kOk) << polled.error;
  const auto& pg = std::get<PollingResult>(polled.result).groups;
  ASSERT_EQ(pg.size(), 2u);
  std::map<std::string, int64_t> speeds;
  for (const auto& g : pg) speeds[g.dimensions.at(0).value] = std::get<int64_t>(g.metrics.at(0).value);
  EXPECT_EQ(speeds["eth0"], 1000);
  EXPECT_EQ(speeds["lo"], 0);
}

TEST(Unit, ContextLoggerRecordsReachSpdlogWithTags) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto logger = core::Logger("plugin");
  logger->sinks().push_back(sink);
  auto outcome = RunPolling("polling_ok");
  logger->sinks().pop_back();
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  auto lines = sink->last_formatted();
  ASSERT_FALSE(lines.empty()) << "no record reached the spdlog logger \"plugin\"";
  const std::string& line = lines.back();
  EXPECT_NE(line.find("plugin=polling_ok"), std::string::npos) << line;
  EXPECT_NE(line.find("signature=sig"), std::string::npos) << line;
  EXPECT_NE(line.find("resource=host-1"), std::string::npos) << line;
  EXPECT_NE(line.find("task=task-1"), std::string::npos) << line;
  EXPECT_NE(line.find("polling host-1"), std::string::npos) << line;
}

}  // namespace
}  // namespace panoptes::testing
