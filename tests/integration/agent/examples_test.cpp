// Tasks for the shipped example plugins (examples/plugins/) produce outputs in
// Redis in the forms of docs/redis.md and docs/plugin-api.md: resources in the store, an enrichment group per
// resource and namespace, metrics groups on P:metrics:<site>.

#include "integration/agent/agent_fixture.h"
#include "model/json.h"

namespace panoptes::testing {
namespace {

TEST_F(AgentTest, ShippedExamplePluginsWriteResourcesEnrichmentAndMetrics) {
  StartExamplesAgent();
  std::optional<Resource> found = DiscoverExampleHost();
  ASSERT_TRUE(found);
  const Resource& host = *found;
  EXPECT_EQ(host.class_, "system");
  EXPECT_EQ(host.type, "linux");

  Task enrich = MakeTask("Interface Enrichment", host, 30, PluginKind::kEnrichment);
  ASSERT_TRUE(RunsOk("Interface Enrichment", enrich));
  std::string enrichment_key = Key("enrichment:" + host.id + ":interface");
  auto group = model::ParseEnrichmentGroup(Cmd({"GET", enrichment_key}).str);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->ttl, 300);
  EXPECT_GT(Int({"TTL", enrichment_key}), 0);
  EXPECT_LE(Int({"TTL", enrichment_key}), 300);

  ASSERT_TRUE(RunsOk("Host Metrics", MakeTask("Host Metrics", host, 30, PluginKind::kPolling)));
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
