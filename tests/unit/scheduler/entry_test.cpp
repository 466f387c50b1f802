#include "scheduler/entry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/identity.h"
#include "model/json.h"

namespace panoptes::scheduler {
namespace {

PluginInfo Plugin(PluginKind kind, const std::string& name, int frequency, const std::string& filter = "") {
  PluginInfo info;
  info.kind = kind;
  info.name = name;
  info.normalized_name = name;
  info.file = "/plugins/" + name + ".panoptes-plugin";
  info.execute_frequency = frequency;
  info.time_limit = 1.25 * frequency;
  info.expires = 2 * frequency;
  info.resource_filter = filter;
  return info;
}

Resource MakeResource(const std::string& id, const std::string& cls) {
  Resource r;
  r.site = "dc1";
  r.class_ = cls;
  r.subclass = "sub";
  r.type = "t";
  r.id = id;
  r.endpoint = id + ".example";
  r.plugin = "disco";
  return r;
}

SchedulablePlugin Schedulable(PluginInfo info) {
  auto s = MakeSchedulable(std::move(info));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

TEST(Unit, SplayIsDeterministicAndWithinMinOfFrequencyAnd60s) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = "plugin:" + std::to_string(i);
    EXPECT_EQ(SplayMs(id, 10000), SplayMs(id, 10000));
    EXPECT_GE(SplayMs(id, 10000), 0);
    EXPECT_LT(SplayMs(id, 10000), 10000);
    EXPECT_LT(SplayMs(id, 3600000), 60000);
  }
  EXPECT_EQ(SplayMs("x", 0), 0);
}

TEST(Unit, SplaySpreadsEntriesOverTheWindow) {
  // 6000 entries over 60 one-second buckets: every bucket gets some, none gets a crowd.
  std::vector<int> buckets(60, 0);
  for (int i = 0; i < 6000; ++i) ++buckets[SplayMs("p:" + std::to_string(i), 60000) / 1000];
  for (int count : buckets) {
    EXPECT_GT(count, 50);
    EXPECT_LT(count, 170);
  }
}

TEST(Unit, EntryIdIsNormalizedNameAndSignature) {
  Resource r = MakeResource("r1", "network");
  Entry e = MakeEntry(Plugin(PluginKind::kPolling, "poll", 60, "x"), &r);
  EXPECT_EQ(e.id, "poll:" + model::Signature("poll", &r));
  Entry d = MakeEntry(Plugin(PluginKind::kDiscovery, "disco", 300), nullptr);
  EXPECT_EQ(d.id, "disco:" + model::Signature("disco", nullptr));
  EXPECT_EQ(e.frequency_ms, 60000);
  EXPECT_EQ(e.expires_ms, 120000);
}

TEST(Unit, TaskPrefixCompletedByDispatchIsAValidTaskMessage) {
  Resource r = MakeResource("r1", "network");
  r.metadata["os"] = "junos \"quoted\"";
  Entry e = MakeEntry(Plugin(PluginKind::kPolling, "poll", 60, "x"), &r);
  std::string task = std::string(e.task_prefix()) +
                     "\"id\":\"x:1\",\"scheduled_for\":1700000000.000,\"expires_at\":1700000120.000}";
  auto j = nlohmann::json::parse(task);
  EXPECT_EQ(j["v"], 1);
  EXPECT_EQ(j["kind"], "polling");
  EXPECT_EQ(j["plugin"], "poll");
  EXPECT_EQ(j["signature"], model::Signature("poll", &r));
  EXPECT_EQ(j["resource"]["resource_metadata"]["os"], "junos \"quoted\"");
  EXPECT_DOUBLE_EQ(j["time_limit"].get<double>(), 75.0);
  Entry d = MakeEntry(Plugin(PluginKind::kDiscovery, "disco", 300), nullptr);
  auto jd = nlohmann::json::parse(std::string(d.task_prefix()) +
                                  "\"id\":\"a\",\"scheduled_for\":1.0,\"expires_at\":2.0}");
  EXPECT_TRUE(jd["resource"].is_null());
}

TEST(Unit, TaskPrefixIsByteForByteTheTaskMessageOfEarlierBuilds) {
  // What earlier builds kept whole in each entry's value, now composed from the plugin's record
  // and the entry's value: the agent must see the same bytes.
  Resource r = MakeResource("r1", "network");
  r.metadata["os"] = "junos \"quoted\" \xc3\xa9";
  PluginInfo p = Plugin(PluginKind::kPolling, "po|ll", 60, "x");  // a '|' in the name
  p.normalized_name = "po_ll";
  p.time_limit = 7.5;
  Entry e = MakeEntry(p, &r);
  std::string expected = "{\"v\":1,\"kind\":\"polling\",\"plugin\":\"po|ll\",\"signature\":\"" +
                         model::Signature("po_ll", &r) + "\",\"resource\":";
  model::AppendResource(expected, r);
  expected += ",\"time_limit\":7.5,";
  EXPECT_EQ(e.task_prefix(), expected);
  EXPECT_EQ(e.value.front(), '{');
  Entry d = MakeEntry(Plugin(PluginKind::kDiscovery, "disco", 300), nullptr);
  EXPECT_EQ(d.value, "null");
  EXPECT_EQ(d.task_prefix(), "{\"v\":1,\"kind\":\"discovery\",\"plugin\":\"disco\",\"signature\":\"" +
                                 model::Signature("disco", nullptr) +
                                 "\",\"resource\":null,\"time_limit\":375.0,");
  int64_t frequency = 0, expires = 0;
  std::string_view head, tail;
  ASSERT_TRUE(SplitPluginRecord(e.plugin, frequency, expires, head, tail));
  EXPECT_EQ(frequency, 60000);
  EXPECT_EQ(expires, 120000);
  EXPECT_EQ(tail, ",\"time_limit\":7.5,");
  EXPECT_FALSE(SplitPluginRecord("60000|120000|999|{", frequency, expires, head, tail));
  EXPECT_FALSE(SplitPluginRecord("0|1|0|", frequency, expires, head, tail));
  std::string out;
  EXPECT_FALSE(ComposeTaskPrefix(e.plugin, "no-colon", e.value, out));
}

TEST(Unit, DigestChangesWithTheResourceAndNotWithThePluginsSettings) {
  Resource r = MakeResource("r1", "network");
  Entry a = MakeEntry(Plugin(PluginKind::kPolling, "poll", 60, "x"), &r);
  EXPECT_EQ(a.Hash(), MakeEntry(Plugin(PluginKind::kPolling, "poll", 60, "x"), &r).Hash());
  // The time limit is the plugin's: its record changes, the entry's value does not.
  PluginInfo slower = Plugin(PluginKind::kPolling, "poll", 60, "x");
  slower.time_limit = 5;
  EXPECT_EQ(a.Hash(), MakeEntry(slower, &r).Hash());
  EXPECT_NE(a.plugin, MakeEntry(slower, &r).plugin);
  Resource moved = r;
  moved.metadata["rack"] = "7";
  EXPECT_NE(a.Hash(), MakeEntry(Plugin(PluginKind::kPolling, "poll", 60, "x"), &moved).Hash());
  // A value of this layout takes its frequency from its plugin's record; a legacy value has its own.
  EXPECT_EQ(DigestOfValue(a.value, 60000).frequency_ms, 60000);
  EXPECT_EQ(DigestOfValue(a.value).frequency_ms, -1);
  EXPECT_EQ(DigestOfValue("30000|60000|{\"v\":1,").frequency_ms, 30000);
  EXPECT_TRUE(IsLegacyValue("30000|60000|{"));
  EXPECT_FALSE(IsLegacyValue(a.value));
  EXPECT_EQ(DigestOfValue("9garbage").frequency_ms, -1);
}

TEST(Unit, BuildEntriesGivesOnePerDiscoveryPluginAndOnePerMatchingResource) {
  std::vector<SchedulablePlugin> plugins;
  plugins.push_back(Schedulable(Plugin(PluginKind::kPolling, "net", 60, "resource_class = \"network\"")));
  plugins.push_back(Schedulable(Plugin(PluginKind::kPolling, "all", 30, "resource_site = 'dc1'")));
  std::vector<Resource> resources = {MakeResource("a", "network"), MakeResource("b", "host"),
                                     MakeResource("c", "network")};
  auto entries = BuildEntries(plugins, ResourceTable::From(resources));
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(), [](auto& x, auto& y) { return x.id < y.id; }));
  int net = 0;
  for (const Entry& e : entries) net += e.id.rfind("net:", 0) == 0;
  EXPECT_EQ(net, 2);
}

TEST(Unit, BuildEntriesDropsDuplicateResources) {
  std::vector<SchedulablePlugin> plugins;
  plugins.push_back(Schedulable(Plugin(PluginKind::kEnrichment, "e", 60, "resource_id = 'a'")));
  auto entries = BuildEntries(plugins, ResourceTable::From({MakeResource("a", "x"), MakeResource("a", "x")}));
  EXPECT_EQ(entries.size(), 1u);
}

TEST(Unit, SignatureCacheGivesTheSameEntriesAndForgetsRemovedPlugins) {
  std::vector<SchedulablePlugin> plugins;
  plugins.push_back(Schedulable(Plugin(PluginKind::kPolling, "net", 60, "resource_class = \"network\"")));
  plugins.push_back(Schedulable(Plugin(PluginKind::kPolling, "all", 30, "resource_site = 'dc1'")));
  ResourceTable table = ResourceTable::From(
      {MakeResource("a", "network"), MakeResource("b", "host"), MakeResource("c", "network")});
  auto collect = [&](SignatureCache* cache) {
    std::vector<std::string> values;
    ForEachEntry(
        plugins, table, [&](Entry&& e) { values.push_back(e.id + " " + e.value); }, cache);
    return values;
  };
  SignatureCache cache;
  cache.Bind(1);
  const auto uncached = collect(nullptr);
  EXPECT_EQ(collect(&cache), uncached);  // computed and kept
  EXPECT_EQ(collect(&cache), uncached);  // from the cache
  EXPECT_EQ(cache.plugins(), 2u);
  EXPECT_EQ(cache.entries(), 5u);
  // "net" removed: a full pass forgets its signatures.
  plugins.erase(plugins.begin());
  collect(&cache);
  EXPECT_EQ(cache.plugins(), 1u);
  EXPECT_EQ(cache.entries(), 3u);
  // A scoped pass over a plugin that went forgets it too.
  plugins.push_back(Schedulable(Plugin(PluginKind::kPolling, "net", 60, "resource_class = \"network\"")));
  collect(&cache);
  EXPECT_EQ(cache.plugins(), 2u);
  plugins.pop_back();
  ForEachEntry(
      plugins, table, [](Entry&&) {}, std::vector<std::string>{"net"}, &cache);
  EXPECT_EQ(cache.plugins(), 1u);
  EXPECT_EQ(cache.entries(), 3u);
}

TEST(Unit, MakeSchedulableRejectsBadFilterNamingFileAndColumn) {
  auto s = MakeSchedulable(Plugin(PluginKind::kPolling, "bad", 60, "resource_class = "));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/plugins/bad.panoptes-plugin"), std::string::npos);
  EXPECT_NE(s.status().message().find("column"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace panoptes::scheduler
