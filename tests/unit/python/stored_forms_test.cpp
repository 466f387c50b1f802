// What the host makes of results whose stored form the original defines precisely: upserted
// enrichment metadata, bytes in enrichment values, non-str dict keys, a resource without a plugin
// name, and the context class of a run with an enrichment cache.
#include <gtest/gtest.h>

#include "model/json.h"
#include "plugin/memory_services.h"
#include "python_env.h"

namespace panoptes::testing {
namespace {

python::RunOutcome RunOnce(PluginKind kind, const std::string& module, std::optional<Resource> resource,
                           std::vector<PreloadSpec> preload = {}) {
  static plugin::MemoryKvStore kv;
  static plugin::MemorySecretStore secrets;
  static plugin::MemoryEnrichmentSource enrichment;
  python::PluginHost host(TestInterpreter());
  PluginInfo info = FixturePlugin(kind, module);
  info.preload = std::move(preload);
  python::RunInput input;
  input.resource = std::move(resource);
  input.sites = {"dc1"};
  input.services = {&kv, &secrets, &enrichment};
  return host.Run(info, input);
}

nlohmann::json StoredExtras(std::vector<PreloadSpec> preload = {}) {
  auto outcome = RunOnce(PluginKind::kEnrichment, "enrichment_extras", TestResource(), std::move(preload));
  EXPECT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  if (outcome.status != python::RunStatus::kOk) return {};
  const auto& groups = std::get<EnrichmentResult>(outcome.result).groups;
  EXPECT_EQ(groups.size(), 1u);
  return nlohmann::json::parse(model::SerializeEnrichmentGroup(groups.at(0)));
}

TEST(Unit, UpsertedEnrichmentMetadataIsStoredWithTheReservedKeys) {
  nlohmann::json j = StoredExtras();
  const auto& metadata = j["metadata"];
  EXPECT_EQ(metadata["source"], "fixture");
  EXPECT_EQ(metadata["version"], 2);
  EXPECT_EQ(metadata["_enrichment_ttl"], 300);
  EXPECT_EQ(metadata["_execute_frequency"], 60);
  EXPECT_EQ(metadata.size(), 6u) << metadata.dump();
  auto parsed = model::ParseEnrichmentGroup(j.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->extra_metadata["source"], "fixture");
  EXPECT_EQ(parsed->extra_metadata.size(), 3u);
}

TEST(Unit, BytesInEnrichmentValuesAreEncodedAsTheOriginal) {
  nlohmann::json set = StoredExtras()["data"]["eth0"];
  EXPECT_EQ(set["mac"].get<std::string>(), std::string("\0abc__decoded", 13));  // NUL is ASCII: kept
  EXPECT_EQ(set["ids"], nlohmann::json::parse(R"([1, "z__decoded"])"));
}

TEST(Unit, EnrichmentDictKeysAreWrittenAsPythonsJsonWritesThem) {
  nlohmann::json keys = StoredExtras()["data"]["eth0"]["by_flag"];
  EXPECT_EQ(keys, nlohmann::json::parse(R"({"true": 1, "null": 2, "3": "x"})")) << keys.dump();
}

TEST(Unit, RunWithAnEnrichmentCacheGetsTheWithEnrichmentContext) {
  EXPECT_EQ(StoredExtras()["metadata"]["context"], "PanoptesPluginContext");
  EXPECT_EQ(StoredExtras({{true, "", "interface"}})["metadata"]["context"],
            "PanoptesPluginWithEnrichmentContext");
}

TEST(Unit, ResourceWithoutPluginNameStaysNull) {
  auto outcome = RunOnce(PluginKind::kDiscovery, "discovery_null_plugin", std::nullopt);
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& resources = std::get<DiscoveryResult>(outcome.result).resources;
  ASSERT_EQ(resources.size(), 1u);
  auto j = nlohmann::json::parse(model::SerializeResources(resources));
  EXPECT_TRUE(j["resources"][0]["resource_plugin"].is_null()) << j.dump();
  auto back = model::ParseResource(j["resources"][0].dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, resources[0]);
  EXPECT_TRUE(model::ResourceToJson(*back)["resource_plugin"].is_null());
}

}  // namespace
}  // namespace panoptes::testing
