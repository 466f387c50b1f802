#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/json.h"

namespace panoptes::model {
namespace {

using nlohmann::json;

Resource Host() {
  Resource r;
  r.site = "dc1";
  r.class_ = "system";
  r.subclass = "host";
  r.type = "linux";
  r.id = "web1";
  r.endpoint = "web1.example.com";
  r.plugin = "discovery_from_json";
  r.creation_timestamp = 1700000000.25;
  r.metadata = {{"os", "debian"}, {"_resource_ttl", "604800"}};
  return r;
}

MetricsGroup Group() {
  MetricsGroup g;
  g.group_type = "interface";
  g.interval = 60;
  g.creation_timestamp = 1700000001.5;
  g.resource = Host();
  g.metrics = {{"bytes_in", int64_t{1234567890123}, MetricType::kCounter, 1700000001.0},
               {"load", 0.75, MetricType::kGauge, 1700000001.0}};
  g.dimensions = {{"interface_name", "eth0"}};
  return g;
}

TEST(Unit, ResourceJsonHasTheOriginalsFieldNamesAndTypes) {
  const json j = json::parse(SerializeResource(Host()));
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(j["resource_site"], "dc1");
  EXPECT_EQ(j["resource_class"], "system");
  EXPECT_EQ(j["resource_subclass"], "host");
  EXPECT_EQ(j["resource_type"], "linux");
  EXPECT_EQ(j["resource_id"], "web1");
  EXPECT_EQ(j["resource_endpoint"], "web1.example.com");
  EXPECT_EQ(j["resource_plugin"], "discovery_from_json");
  EXPECT_TRUE(j["resource_creation_timestamp"].is_number_float());
  EXPECT_DOUBLE_EQ(j["resource_creation_timestamp"].get<double>(), 1700000000.25);
  EXPECT_EQ(j["resource_metadata"], (json{{"os", "debian"}, {"_resource_ttl", "604800"}}));
}

TEST(Unit, ResourceToJsonEqualsSerializedForm) {
  EXPECT_EQ(ResourceToJson(Host()), json::parse(SerializeResource(Host())));
}

TEST(Unit, ResourceRoundTripsThroughJson) {
  auto parsed = ParseResource(SerializeResource(Host()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, Host());
}

TEST(Unit, ResourceParseDefaultsOptionalTimestampAndMetadata) {
  auto parsed = ParseResource(R"({"resource_site":"s","resource_class":"c","resource_subclass":"sc",
      "resource_type":"t","resource_id":"i","resource_endpoint":"e","resource_plugin":"p"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->creation_timestamp, 0);
  EXPECT_TRUE(parsed->metadata.empty());
}

TEST(Unit, ResourceParseRejectsNonStringMetadataValueNamingTheKey) {
  json j = ResourceToJson(Host());
  j["resource_metadata"]["speed"] = 1000;
  auto parsed = ParseResource(j.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "resource: field \"resource_metadata.speed\": expected a string, found number");
}

TEST(Unit, ResourceParseRejectsMissingId) {
  json j = ResourceToJson(Host());
  j.erase("resource_id");
  auto parsed = ParseResource(j.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "resource: field \"resource_id\": missing");
}

TEST(Unit, StringsEscapeQuotesBackslashesAndControlCharacters) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\t\r\b\f\x01\x1f", 12) + std::string(1, '\0') + "z");
  EXPECT_EQ(out, R"("a\"b\\c\n\t\r\b\f\u0001\u001f\u0000z")");
}

TEST(Unit, StringsKeepUtf8AndRoundTrip) {
  Resource r = Host();
  r.id = "caf\xc3\xa9 \xe2\x98\x83 \"q\" \\ \x02";
  r.metadata["\xe2\x98\x83key\n"] = "v\x7f";
  const std::string text = SerializeResource(r);
  EXPECT_NE(text.find("caf\xc3\xa9"), std::string::npos);
  auto parsed = ParseResource(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, r);
}

TEST(Unit, DoublesAlwaysReadBackAsFloats) {
  auto text = [](double v) {
    std::string out;
    AppendJsonDouble(out, v);
    return out;
  };
  EXPECT_EQ(text(1700000000.0), "1700000000.0");
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(-3), "-3.0");
  EXPECT_EQ(text(1.5e-7), "1.5e-07");
  EXPECT_EQ(text(0.0001), "0.0001");
  EXPECT_EQ(text(123.456), "123.456");
  EXPECT_EQ(text(-0.5), "-0.5");
  EXPECT_EQ(text(1e16), "1e+16");
  EXPECT_EQ(text(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(text(0), "0.0");
  EXPECT_EQ(text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_TRUE(json::parse(text(1e16)).is_number_float());
}

TEST(Unit, MetricsGroupJsonHasTheOriginalsFieldNamesAndTypes) {
  const json j = json::parse(SerializeMetricsGroup(Group()));
  EXPECT_EQ(j.size(), 7u);
  EXPECT_EQ(j["metrics_group_type"], "interface");
  EXPECT_TRUE(j["metrics_group_interval"].is_number_integer());
  EXPECT_EQ(j["metrics_group_interval"], 60);
  EXPECT_TRUE(j["metrics_group_creation_timestamp"].is_number_float());
  EXPECT_EQ(j["metrics_group_schema_version"], "0.2");
  EXPECT_EQ(j["resource"], ResourceToJson(Host()));
  ASSERT_EQ(j["metrics"].size(), 2u);
  const json& counter = j["metrics"][0];
  EXPECT_EQ(counter.size(), 4u);
  EXPECT_EQ(counter["metric_name"], "bytes_in");
  EXPECT_TRUE(counter["metric_value"].is_number_integer());
  EXPECT_EQ(counter["metric_value"].get<int64_t>(), 1234567890123);
  EXPECT_EQ(counter["metric_type"], "counter");
  EXPECT_TRUE(counter["metric_creation_timestamp"].is_number_float());
  EXPECT_TRUE(j["metrics"][1]["metric_value"].is_number_float());
  EXPECT_EQ(j["metrics"][1]["metric_type"], "gauge");
  EXPECT_EQ(j["dimensions"],
            (json::array({{{"dimension_name", "interface_name"}, {"dimension_value", "eth0"}}})));
}

TEST(Unit, MetricsGroupFloatWithIntegralValueStaysFloat) {
  MetricsGroup g = Group();
  g.metrics = {{"m", 2.0, MetricType::kGauge, 1.0}};
  const json j = json::parse(SerializeMetricsGroup(g));
  EXPECT_TRUE(j["metrics"][0]["metric_value"].is_number_float());
  auto parsed = ParseMetricsGroup(SerializeMetricsGroup(g));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(std::holds_alternative<double>(parsed->metrics[0].value));
}

TEST(Unit, MetricsGroupToJsonEqualsSerializedForm) {
  EXPECT_EQ(MetricsGroupToJson(Group()), json::parse(SerializeMetricsGroup(Group())));
}

TEST(Unit, MetricsGroupRoundTripsThroughJson) {
  auto parsed = ParseMetricsGroup(SerializeMetricsGroup(Group()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, Group());
}

TEST(Unit, MetricsGroupParseNamesTheBadMetricField) {
  json j = MetricsGroupToJson(Group());
  j["metrics"][1]["metric_type"] = "histogram";
  auto parsed = ParseMetricsGroup(j.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(
      parsed.status().message(),
      "metrics group: field \"metrics[1].metric_type\": unknown metric type \"histogram\" (expected gauge "
      "or counter)");
  j = MetricsGroupToJson(Group());
  j["metrics"][0]["metric_value"] = "12";
  parsed = ParseMetricsGroup(j.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "metrics group: field \"metrics[0].metric_value\": expected an integer, found string");
}

TEST(Unit, MetricsGroupsSerializeAsAnArray) {
  const json j = json::parse(SerializeMetricsGroups({Group(), Group()}));
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(json::parse(SerializeMetricsGroups({})), json::array());
}

TEST(Unit, ResourcesSerializeUnderResourcesKey) {
  const json j = json::parse(SerializeResources({Host()}));
  EXPECT_EQ(j, (json{{"resources", json::array({ResourceToJson(Host())})}}));
}

TEST(Unit, ResourceSetCarriesTheOriginalsSetFields) {
  DiscoveryResult set{{Host()}, 1700000000.25};
  const json j = json::parse(SerializeResourceSet(set));
  EXPECT_EQ(j, (json{{"resources", json::array({ResourceToJson(Host())})},
                     {"resource_set_creation_timestamp", 1700000000.25},
                     {"resource_set_schema_version", "0.1"}}));
}

EnrichmentGroup Enrichment() {
  EnrichmentGroup g;
  g.namespace_ = "interface";
  g.resource = Host();
  g.interval = 300;
  g.ttl = 900;
  g.creation_timestamp = 1700000002.5;
  g.data = {{"eth0", {{"speed", 1000}, {"mtu", 1500}, {"name", "eth0"}}}};
  return g;
}

TEST(Unit, EnrichmentGroupJsonHasDataAndUnderscoredMetadata) {
  const json j = json::parse(SerializeEnrichmentGroup(Enrichment()));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["data"]["eth0"]["speed"], 1000);
  const json& metadata = j["metadata"];
  EXPECT_EQ(metadata.size(), 3u);
  EXPECT_TRUE(metadata["_enrichment_group_creation_timestamp"].is_number_float());
  EXPECT_TRUE(metadata["_enrichment_ttl"].is_number_integer());
  EXPECT_EQ(metadata["_enrichment_ttl"], 900);
  EXPECT_EQ(metadata["_execute_frequency"], 300);
}

TEST(Unit, EnrichmentGroupRoundTripsDataAndMetadata) {
  auto parsed = ParseEnrichmentGroup(SerializeEnrichmentGroup(Enrichment()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->data, Enrichment().data);
  EXPECT_EQ(parsed->ttl, 900);
  EXPECT_EQ(parsed->interval, 300);
  EXPECT_DOUBLE_EQ(parsed->creation_timestamp, 1700000002.5);
}

TEST(Unit, EnrichmentGroupParseNamesMissingMetadataField) {
  auto parsed =
      ParseEnrichmentGroup(R"({"data":{},"metadata":{"_enrichment_ttl":1,"_execute_frequency":1}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "enrichment group: field \"metadata._enrichment_group_creation_timestamp\": missing");
}

TEST(Unit, EnrichmentGroupSerializationReplacesInvalidUtf8InsteadOfThrowing) {
  EnrichmentGroup g = Enrichment();
  g.data = {{"k", {{"v", std::string("bad\xff")}}}};
  const json j = json::parse(SerializeEnrichmentGroup(g));
  EXPECT_EQ(j["data"]["k"]["v"], "bad\xef\xbf\xbd");
}

}  // namespace
}  // namespace panoptes::model
