#include "scheduler/resource_table.h"

#include <gtest/gtest.h>

#include "model/json.h"
#include "resources/filter.h"
#include "scheduler/entry.h"

namespace panoptes::scheduler {
namespace {

Resource Make(const std::string& id, const std::string& cls, std::map<std::string, std::string> metadata) {
  Resource r;
  r.site = "dc1";
  r.class_ = cls;
  r.subclass = "switch";
  r.type = "t";
  r.id = id;
  r.endpoint = id + ".example";
  r.plugin = "disco";
  r.creation_timestamp = 1700000000.25;
  r.metadata = std::move(metadata);
  return r;
}

std::vector<Resource> Sample() {
  Resource odd = Make("we\"ird\n\x01", "host", {{"os", "linux"}, {"quote\"key", "tab\tvalue"}});
  odd.plugin = "";  // serialized as null
  odd.creation_timestamp = 0;
  return {Make("sw1", "network", {{"os", "junos"}, {"rack", "12"}}), Make("sw2", "network", {}), odd,
          Make("sw3", "network", {{"os", "junos"}, {"rack", "12"}})};
}

TEST(Unit, ResourceTableRowsReadBackAsTheResourcesAdded) {
  std::vector<Resource> resources = Sample();
  ResourceTable table = ResourceTable::From(resources);
  ASSERT_EQ(table.size(), resources.size());
  for (size_t i = 0; i < resources.size(); ++i) EXPECT_EQ(table.Get(i), resources[i]) << "row " << i;
}

TEST(Unit, ResourceTableKeyAndJsonAreThoseOfTheResource) {
  std::vector<Resource> resources = Sample();
  ResourceTable table = ResourceTable::From(resources);
  for (size_t i = 0; i < resources.size(); ++i) {
    std::string key, json;
    table.AppendKey(i, key);
    table.AppendJson(i, json);
    EXPECT_EQ(key, resources[i].Key()) << "row " << i;
    EXPECT_EQ(json, model::SerializeResource(resources[i])) << "row " << i;
  }
}

TEST(Unit, ResourceTableViewMatchesFiltersAsTheResourceDoes) {
  std::vector<Resource> resources = Sample();
  ResourceTable table = ResourceTable::From(resources);
  for (const char* expr :
       {"resource_class = \"network\"", "resource_metadata.os LIKE 'jun%'", "resource_metadata.rack != '12'",
        "resource_metadata.missing NOT IN ('a')",
        "resource_id IN ('sw2', 'sw3') AND resource_plugin = 'disco'",
        "resource_metadata.quote\"key = 'tab\tvalue'", "resource_endpoint LIKE '%.example'"}) {
    auto filter = resources::ParseFilter(expr);
    if (!filter.ok()) continue;  // a form the grammar refuses: nothing to compare
    for (size_t i = 0; i < resources.size(); ++i) {
      EXPECT_EQ(filter->Matches(table.View(i)), filter->Matches(resources[i])) << expr << ", row " << i;
    }
  }
}

TEST(Unit, ResourceTableKeepsRepeatedStringsOnce) {
  std::vector<Resource> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back(Make("device-" + std::to_string(i), "network", {{"os", "junos"}}));
  ResourceTable table = ResourceTable::From(many);
  table.ShrinkToFit();
  // 1000 resources as values take far more; the table: a 40-byte row, one metadata pair and the
  // unique id and endpoint (about 30 bytes with their offsets) each, plus the string index.
  EXPECT_LT(table.MemoryBytes(), 1000u * 120 + 8192) << "repeated strings are not shared";
}

TEST(Unit, ResourceTablesCompareEqualOnlyWithTheSameRowsInTheSameOrder) {
  std::vector<Resource> resources = Sample();
  EXPECT_EQ(ResourceTable::From(resources), ResourceTable::From(resources));
  std::vector<Resource> changed = resources;
  changed[1].metadata["os"] = "eos";
  EXPECT_NE(ResourceTable::From(resources), ResourceTable::From(changed));
  std::vector<Resource> fewer(resources.begin(), resources.end() - 1);
  EXPECT_NE(ResourceTable::From(resources), ResourceTable::From(fewer));
  EXPECT_NE(ResourceTable::From(resources), ResourceTable());
}

TEST(Unit, EntryMakerBuildsWhatMakeEntryBuilds) {
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = "poll \"x\"";
  info.normalized_name = "poll__x_";
  info.execute_frequency = 60;
  info.time_limit = 75.5;
  info.expires = 120;
  std::vector<Resource> resources = Sample();
  ResourceTable table = ResourceTable::From(resources);
  EntryMaker maker(info);
  Entry reused;
  for (size_t i = 0; i < resources.size(); ++i) {
    maker.Make(table, i, reused);
    Entry expected = MakeEntry(info, &resources[i]);
    EXPECT_EQ(reused.id, expected.id) << "row " << i;
    EXPECT_EQ(reused.value, expected.value) << "row " << i;
    EXPECT_EQ(reused.frequency_ms, expected.frequency_ms);
    EXPECT_EQ(reused.expires_ms, expected.expires_ms);
  }
  info.kind = PluginKind::kDiscovery;
  EntryMaker discovery(info);
  discovery.MakeDiscovery(reused);
  Entry expected = MakeEntry(info, nullptr);
  EXPECT_EQ(reused.id, expected.id);
  EXPECT_EQ(reused.value, expected.value);
}

}  // namespace
}  // namespace panoptes::scheduler
