#include "consumer/line_protocol.h"

#include <gtest/gtest.h>

#include "model/json.h"

namespace panoptes::consumer {
namespace {

MetricsGroup Group() {
  MetricsGroup g;
  g.group_type = "interface";
  g.interval = 60;
  g.creation_timestamp = 1700000000.75;
  g.resource = Resource{"dc1", "network", "switch", "cisco", "sw1", "10.0.0.1", "discover", 0, {}};
  g.metrics = {{"bytes_in", int64_t{1200}, MetricType::kCounter, 1700000000.5},
               {"bytes_in", int64_t{20}, MetricType::kGauge, 1700000000.5},
               {"utilization", 0.25, MetricType::kGauge, 1700000000.5}};
  g.dimensions = {{"interface_name", "Gi0/1"}};
  return g;
}

TEST(Unit, LineProtocolNamesPointsAsTheOriginalConsumer) {
  auto line = ToLineProtocol(Group());
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(
      *line,
      "interface,interface_name=Gi0/1,resource_class=network,resource_endpoint=10.0.0.1,resource_site=dc1,"
      "resource_subclass=switch,resource_type=cisco bytes_in__counter=1200,bytes_in__gauge=20,"
      "utilization__gauge=0.25 1700000000");
}

TEST(Unit, LineProtocolMeasurementReplacesRunsOutsideNameCharacters) {
  EXPECT_EQ(Measurement("cpu.util-v2"), "cpu_util_v2");
  EXPECT_EQ(Measurement("a::b  c"), "a_b_c");
  EXPECT_EQ(Measurement("ok_1"), "ok_1");
}

TEST(Unit, LineProtocolEscapesTagsAndFieldKeys) {
  MetricsGroup g = Group();
  g.dimensions = {{"if name", "Gi 0/1,x=y"}, {"tab", "a\tb"}, {"tail", "c\\"}};
  g.metrics = {{"in,bytes", int64_t{1}, MetricType::kGauge, 0}};
  auto line = ToLineProtocol(g);
  ASSERT_TRUE(line.ok());
  EXPECT_NE(line->find(",if\\ name=Gi\\ 0/1\\,x\\=y,"), std::string::npos) << *line;
  EXPECT_NE(line->find(",tab=a\\ b,"), std::string::npos)
      << "a tab cannot be escaped: it becomes a space: " << *line;
  EXPECT_NE(line->find(",tail=c\\ "), std::string::npos)
      << "a trailing backslash must not escape the separator";
  EXPECT_NE(line->find(" in\\,bytes__gauge=1 "), std::string::npos) << *line;
}

TEST(Unit, LineProtocolLeavesOutEmptyTagValues) {
  MetricsGroup g = Group();
  g.resource.subclass = "";
  auto line = ToLineProtocol(g);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->find("resource_subclass"), std::string::npos) << *line;
}

TEST(Unit, LineProtocolResourceFieldsWinOverSameNamedDimension) {
  MetricsGroup g = Group();
  g.dimensions.push_back({"resource_site", "spoofed"});
  auto line = ToLineProtocol(g);
  ASSERT_TRUE(line.ok());
  EXPECT_NE(line->find("resource_site=dc1"), std::string::npos);
  EXPECT_EQ(line->find("spoofed"), std::string::npos);
}

TEST(Unit, LineProtocolSkipsNonFiniteValuesAndRefusesGroupWithoutFields) {
  MetricsGroup g = Group();
  g.metrics = {{"a", std::numeric_limits<double>::quiet_NaN(), MetricType::kGauge, 0},
               {"b", int64_t{-3}, MetricType::kGauge, 0}};
  auto line = ToLineProtocol(g);
  ASSERT_TRUE(line.ok());
  EXPECT_NE(line->find(" b__gauge=-3 "), std::string::npos) << *line;
  EXPECT_EQ(line->find("a__gauge"), std::string::npos);
  g.metrics.resize(1);
  auto none = ToLineProtocol(g);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no metric with a finite value"), std::string::npos);
}

TEST(Unit, LineProtocolFromEntryRoundTripsTheAgentsJson) {
  auto line = EntryToLineProtocol(model::SerializeMetricsGroup(Group()));
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(*line, *ToLineProtocol(Group()));
  auto bad = EntryToLineProtocol("{\"metrics_group_type\": 3}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("metrics_group_type"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace panoptes::consumer
