#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/json.h"

namespace panoptes::model {
namespace {

using nlohmann::json;

Task PollingTask() {
  Task t;
  t.id = "t-1";
  t.kind = PluginKind::kPolling;
  t.plugin = "Interface Metrics";
  t.signature = "03c38c18452d19a1d7a94eef07262ed4";
  Resource r;
  r.site = "dc1";
  r.class_ = "network";
  r.subclass = "switch";
  r.type = "juniper";
  r.id = "sw1";
  r.endpoint = "sw1.example.com";
  r.plugin = "disc";
  t.resource = r;
  t.scheduled_for = 1700000000.0;
  t.expires_at = 1700000120.0;
  t.time_limit = 75;
  return t;
}

json TaskJson() {
  return json::parse(SerializeTask(PollingTask()));
}

std::string ParseError(const json& j) {
  auto parsed = ParseTask(j.dump());
  return parsed.ok() ? "(parsed)" : parsed.status().message();
}

TEST(Unit, TaskJsonHasSpecFields) {
  const json j = TaskJson();
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(j["v"], 1);
  EXPECT_EQ(j["id"], "t-1");
  EXPECT_EQ(j["kind"], "polling");
  EXPECT_EQ(j["plugin"], "Interface Metrics");
  EXPECT_EQ(j["signature"], "03c38c18452d19a1d7a94eef07262ed4");
  EXPECT_EQ(j["resource"]["resource_id"], "sw1");
  EXPECT_TRUE(j["scheduled_for"].is_number_float());
  EXPECT_TRUE(j["expires_at"].is_number_float());
  EXPECT_EQ(j["time_limit"], 75.0);
}

TEST(Unit, TaskRoundTripsThroughJson) {
  auto parsed = ParseTask(SerializeTask(PollingTask()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Task& t = *parsed;
  EXPECT_EQ(t.id, "t-1");
  EXPECT_EQ(t.kind, PluginKind::kPolling);
  EXPECT_EQ(t.plugin, "Interface Metrics");
  EXPECT_EQ(t.resource, PollingTask().resource);
  EXPECT_EQ(t.expires_at, 1700000120.0);
  EXPECT_EQ(t.time_limit, 75);
}

TEST(Unit, DiscoveryTaskHasNullResource) {
  Task t = PollingTask();
  t.kind = PluginKind::kDiscovery;
  t.resource.reset();
  const json j = json::parse(SerializeTask(t));
  EXPECT_TRUE(j["resource"].is_null());
  auto parsed = ParseTask(j.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->resource.has_value());
}

TEST(Unit, TaskParseAcceptsIntegerTimes) {
  json j = TaskJson();
  j["scheduled_for"] = 1700000000;
  j["time_limit"] = 5;
  EXPECT_EQ(ParseError(j), "(parsed)");
}

TEST(Unit, TaskParseRejectsBadJson) {
  auto parsed = ParseTask("{\"v\":1,");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(parsed.status().message().starts_with("task: bad JSON: ")) << parsed.status().message();
}

TEST(Unit, TaskParseRejectsNonObject) {
  auto parsed = ParseTask("[1]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "task: expected an object, found array");
}

TEST(Unit, TaskParseNamesEachMissingField) {
  for (const char* field :
       {"v", "id", "kind", "plugin", "signature", "resource", "scheduled_for", "expires_at", "time_limit"}) {
    json j = TaskJson();
    j.erase(field);
    EXPECT_EQ(ParseError(j), std::string("task: field \"") + field + "\": missing");
  }
}

TEST(Unit, TaskParseNamesWrongTypes) {
  json j = TaskJson();
  j["id"] = 7;
  EXPECT_EQ(ParseError(j), "task: field \"id\": expected a string, found number");
  j = TaskJson();
  j["expires_at"] = "soon";
  EXPECT_EQ(ParseError(j), "task: field \"expires_at\": expected a number, found string");
  j = TaskJson();
  j["v"] = 1.0;
  EXPECT_EQ(ParseError(j), "task: field \"v\": expected an integer, found a float");
  j = TaskJson();
  j["resource"] = "sw1";
  EXPECT_EQ(ParseError(j), "task: field \"resource\": expected an object, found string");
  j = TaskJson();
  j["resource"]["resource_site"] = nullptr;
  EXPECT_EQ(ParseError(j),
            "task: field \"resource\": field \"resource_site\": expected a string, found null");
}

TEST(Unit, TaskParseRejectsUnknownKind) {
  json j = TaskJson();
  j["kind"] = "alerting";
  EXPECT_EQ(ParseError(j),
            "task: field \"kind\": unknown kind \"alerting\" (expected discovery, enrichment or polling)");
}

TEST(Unit, TaskParseRejectsOtherVersions) {
  json j = TaskJson();
  j["v"] = 2;
  EXPECT_EQ(ParseError(j), "task: field \"v\": unsupported version 2 (expected 1)");
}

TEST(Unit, TaskParseRejectsResourceNullnessNotMatchingKind) {
  json j = TaskJson();
  j["resource"] = nullptr;
  EXPECT_EQ(ParseError(j), "task: field \"resource\": null, but a polling task needs a resource");
  j = TaskJson();
  j["kind"] = "discovery";
  EXPECT_EQ(ParseError(j), "task: field \"resource\": must be null for a discovery task");
}

TEST(Unit, TaskParseRejectsEmptyPlugin) {
  json j = TaskJson();
  j["plugin"] = "";
  EXPECT_EQ(ParseError(j), "task: field \"plugin\": empty");
}

TEST(Unit, TaskParseIgnoresUnknownExtraFields) {
  json j = TaskJson();
  j["future"] = true;
  EXPECT_EQ(ParseError(j), "(parsed)");
}

}  // namespace
}  // namespace panoptes::model
