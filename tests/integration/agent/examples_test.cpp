// Tasks for the shipped example plugins (examples/plugins/) produce outputs in
// Redis in the forms of docs/redis.md and docs/plugin-api.md: resources in the store, an enrichment group per
// resource and namespace, metrics groups on P:metrics:<site>.

#include "integration/agent/agent_fixture.h"
#include "model/json.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

TEST_F(AgentTest, ShippedExamplePluginsWriteResourcesEnrichmentAndMetrics) {
  std::string examples = std::string(PANOPTES_SOURCE_DIR) + "/examples/plugins";
  config_path_ = dir_.Write(
      "panoptes.ini",
      "[main]\nsites = local\n\n[redis]\nhost = 127.0.0.1\nport = " + std::to_string(redis_.port()) +
          "\nkey_prefix = " + prefix_ + "\n\n[discovery]\nplugins_paths = " + examples +
          "/discovery\n\n[enrichment]\nplugins_paths = " + examples +
          "/enrichment\n\n[polling]\nplugins_paths = " + examples +
          "/polling\n\n[agent]\nheartbeat_interval_ms = 200\n\n[http]\nagent_listen = 127.0.0.1:0\n");
  StartAgent(1, "all");

  Task discover = MakeTask("Host Discovery From JSON", std::nullopt, 30, PluginKind::kDiscovery);
  Push(discover);
  ASSERT_TRUE(WaitUntil([&] { return Meta("Host Discovery From JSON", discover)["last_status"] == "ok"; },
                        seconds(30)))
      << AgentLog() << Meta("Host Discovery From JSON", discover)["last_error"];
  resources::ResourceStore store(*client_, prefix_);
  auto found = store.List();
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  Resource host = (*found)[0];
  EXPECT_EQ(host.class_, "system");
  EXPECT_EQ(host.type, "linux");

  Task enrich = MakeTask("Interface Enrichment", host, 30, PluginKind::kEnrichment);
  Push(enrich);
  ASSERT_TRUE(
      WaitUntil([&] { return Meta("Interface Enrichment", enrich)["last_status"] == "ok"; }, seconds(30)))
      << AgentLog() << Meta("Interface Enrichment", enrich)["last_error"];
  std::string enrichment_key = Key("enrichment:" + host.id + ":interface");
  auto group = model::ParseEnrichmentGroup(Cmd({"GET", enrichment_key}).str);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->ttl, 300);
  EXPECT_GT(Int({"TTL", enrichment_key}), 0);
  EXPECT_LE(Int({"TTL", enrichment_key}), 300);

  Task poll = MakeTask("Host Metrics", host, 30, PluginKind::kPolling);
  Push(poll);
  ASSERT_TRUE(WaitUntil([&] { return Meta("Host Metrics", poll)["last_status"] == "ok"; }, seconds(30)))
      << AgentLog() << Meta("Host Metrics", poll)["last_error"];
  redis::Reply entries = Cmd({"XRANGE", Key("metrics:" + host.site), "-", "+"});
  ASSERT_FALSE(entries.elements.empty());
  for (const auto& e : entries.elements) {
    ASSERT_EQ(e.elements[1].elements[0].str, "data");
    auto mg = model::ParseMetricsGroup(e.elements[1].elements[1].str);
    ASSERT_TRUE(mg.ok()) << mg.status().ToString();
    EXPECT_EQ(mg->resource.id, host.id);
    EXPECT_EQ(mg->schema_version, "0.2");
  }
}

}  // namespace
}  // namespace panoptes::testing
