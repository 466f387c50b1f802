#include "agent/transforms.h"

#include <gtest/gtest.h>

namespace panoptes::agent {
namespace {

MetricsGroup Interface(const std::string& name, double ts, int64_t bytes_in, int64_t bytes_out) {
  MetricsGroup g;
  g.group_type = "interface";
  g.interval = 60;
  g.creation_timestamp = ts;
  g.resource.id = "sw1";
  g.dimensions = {{"interface_name", name}, {"alias", "uplink"}};
  g.metrics = {{"bytes_in", bytes_in, MetricType::kCounter, ts},
               {"bytes_out", bytes_out, MetricType::kCounter, ts},
               {"oper_status", int64_t{1}, MetricType::kGauge, ts}};
  return g;
}

const std::vector<TransformSpec> kTransforms = {{"in", "rate", "interface", {"bytes_in"}},
                                                {"out", "rate", "interface", {"bytes_out", "bytes_in"}},
                                                {"cpu", "rate", "cpu", {"ticks"}}};

// Runs a sample through Plan/Apply with `state` as the store, as the worker does with Redis.
RateStats Sample(std::map<std::string, std::string>& state, std::vector<MetricsGroup>& groups) {
  auto inputs = PlanRates("P", kTransforms, groups);
  std::vector<std::optional<std::string>> previous;
  for (const RateInput& in : inputs) {
    auto it = state.find(in.key);
    previous.push_back(it == state.end() ? std::nullopt : std::optional<std::string>(it->second));
  }
  std::vector<OutputWrite> writes;
  RateStats stats = ApplyRates(groups, inputs, previous, writes);
  for (const OutputWrite& w : writes) {
    EXPECT_FALSE(w.stream);
    EXPECT_EQ(w.ttl_s, 180) << "3 x the interval";
    state[w.key] = w.data;
  }
  return stats;
}

const Metric* Find(const MetricsGroup& g, const std::string& name, MetricType type) {
  for (const Metric& m : g.metrics) {
    if (m.name == name && m.type == type) return &m;
  }
  return nullptr;
}

TEST(Unit, TransformsPlanEachNamedCounterOnceAcrossTransformsOfOneGroupType) {
  std::vector<MetricsGroup> groups = {Interface("eth0", 1000, 0, 0)};
  auto inputs = PlanRates("P", kTransforms, groups);
  ASSERT_EQ(inputs.size(), 2u) << "bytes_in is named twice, bytes_out once; the gauge is not a counter";
  EXPECT_EQ(inputs[0].key, "P:rate:sw1|interface|alias|uplink|interface_name|eth0|bytes_in")
      << "dimensions sorted by name";
  EXPECT_EQ(inputs[1].key, "P:rate:sw1|interface|alias|uplink|interface_name|eth0|bytes_out");
}

TEST(Unit, TransformsRateIsAGaugeOfTheSameNameNextToTheCounter) {
  std::map<std::string, std::string> state;
  std::vector<MetricsGroup> first = {Interface("eth0", 1000, 1000, 500)};
  RateStats s1 = Sample(state, first);
  EXPECT_EQ(s1.no_previous, 2);
  EXPECT_EQ(Find(first[0], "bytes_in", MetricType::kGauge), nullptr) << "no rate from one sample";
  std::vector<MetricsGroup> second = {Interface("eth0", 1060, 7000, 500 + 60 * 7 + 30)};
  RateStats s2 = Sample(state, second);
  EXPECT_EQ(s2.computed, 2);
  const Metric* in = Find(second[0], "bytes_in", MetricType::kGauge);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->value, MetricValue(int64_t{100}));
  EXPECT_DOUBLE_EQ(in->creation_timestamp, 1060);
  const Metric* out = Find(second[0], "bytes_out", MetricType::kGauge);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->value, MetricValue(int64_t{7})) << "truncated to an integer, as the original";
  EXPECT_NE(Find(second[0], "bytes_in", MetricType::kCounter), nullptr) << "the counter stays";
}

TEST(Unit, TransformsSkipCounterWrapGapsAndBadTimes) {
  std::map<std::string, std::string> state;
  std::vector<MetricsGroup> g = {Interface("eth0", 1000, 5000, 5000)};
  Sample(state, g);
  g = {Interface("eth0", 1060, 10, 6000)};  // bytes_in wrapped
  RateStats wrap = Sample(state, g);
  EXPECT_EQ(wrap.decreased, 1);
  EXPECT_EQ(wrap.computed, 1);
  EXPECT_EQ(Find(g[0], "bytes_in", MetricType::kGauge), nullptr);
  g = {Interface("eth0", 1120, 610, 6600)};  // after the wrap: rates again from the new base
  RateStats after = Sample(state, g);
  EXPECT_EQ(after.computed, 2);
  EXPECT_EQ(Find(g[0], "bytes_in", MetricType::kGauge)->value, MetricValue(int64_t{10}));
  g = {Interface("eth0", 1120, 700, 6700)};  // same timestamp
  EXPECT_EQ(Sample(state, g).bad_time, 2);
  g = {Interface("eth0", 1120 + 181, 800, 6800)};  // longer than 3 x the interval
  EXPECT_EQ(Sample(state, g).gap, 2);
}

TEST(Unit, TransformsLeaveOtherGroupTypesAndExistingGaugesAlone) {
  std::map<std::string, std::string> state;
  MetricsGroup other = Interface("eth0", 1000, 1, 1);
  other.group_type = "optics";
  std::vector<MetricsGroup> g = {other};
  EXPECT_TRUE(PlanRates("P", kTransforms, g).empty());
  g = {Interface("eth0", 1000, 100, 100)};
  Sample(state, g);
  g = {Interface("eth0", 1060, 700, 700)};
  g[0].metrics.push_back({"bytes_in", int64_t{-1}, MetricType::kGauge, 1060});
  Sample(state, g);
  EXPECT_EQ(Find(g[0], "bytes_in", MetricType::kGauge)->value, MetricValue(int64_t{-1}))
      << "a gauge the plugin published is kept";
}

TEST(Unit, TransformsUnreadableStateCountsAsNoPrevious) {
  std::vector<MetricsGroup> g = {Interface("eth0", 1000, 1, 1)};
  auto inputs = PlanRates("P", kTransforms, g);
  std::vector<OutputWrite> writes;
  RateStats s = ApplyRates(g, inputs, {std::string("garbage"), std::string("12|")}, writes);
  EXPECT_EQ(s.no_previous, 2);
  EXPECT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[0].data, "1|1000");
}

}  // namespace
}  // namespace panoptes::agent
