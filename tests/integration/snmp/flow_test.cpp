// The whole SNMP flow through both daemons: panoptes-scheduler schedules our SNMP discovery plugin,
// panoptes-agent runs it against a real snmpsimd serving the synthetic switch48 recording, the
// discovered device gets the interface enrichment and interface polling entries, and the interface
// metrics land on the metrics stream with the recording's counters and the enrichment's dimensions.

#include <cmath>
#include <set>

#include "integration/snmp/daemons_fixture.h"
#include "resources/store.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

const std::string kPlugins = std::string(PANOPTES_SOURCE_DIR) + "/plugins";
const std::string kIfTable = "1.3.6.1.2.1.2.2.1.";
const std::string kIfXTable = "1.3.6.1.2.1.31.1.1.1.";

std::string PluginFile(const std::string& name, const std::string& module, const std::string& main,
                       const std::string& rest = "") {
  return "[Core]\nName = " + name + "\nModule = " + kPlugins + "/" + module +
         "\n\n[Documentation]\nAuthor = t\nVersion = 1\nWebsite = w\nDescription = d\n\n[main]\n" + main +
         "\n" + rest;
}

// Short frequencies: a new entry first falls due within min(frequency, 60) s (the splay). The time
// limits are longer than the default 1.25 x frequency: a walk of the 50 interfaces from snmpsimd
// (Python) takes seconds on a loaded machine.
void AddSnmpPlugins(SnmpDaemonsTest& t) {
  t.AddPluginFile(
      "discovery", "snmp_discovery",
      PluginFile("SNMP Discovery", "snmp_discovery",
                 "execute_frequency = 4\ntime_limit = 30\nresource_ttl = 900\nseeds = 127.0.0.1\n"));
  t.AddPluginFile(
      "enrichment", "snmp_interface_enrichment",
      PluginFile(
          "SNMP Interface Enrichment", "snmp_interface_enrichment",
          "execute_frequency = 3\ntime_limit = 30\nenrichment_ttl = 900\nresource_filter = resource_class = "
          "\"network\"\n"));
  t.AddPluginFile(
      "polling", "snmp_interface_polling",
      PluginFile("SNMP Interface Metrics", "snmp_interface_polling",
                 "execute_frequency = 2\ntime_limit = 30\nresource_filter = resource_class = \"network\"\n",
                 "[enrichment]\npreload = self:interface\n\n[snmp]\nmax_repetitions = 50\n"));
}

// The newest "interface" group of `resource_id` for each interface_name, once every expected
// interface has one whose description came from the enrichment (the first polling run may precede
// the first enrichment run: it then has ifName only).
std::map<std::string, MetricsGroup> EnrichedInterfaces(const std::vector<MetricsGroup>& groups,
                                                       const std::string& resource_id) {
  std::map<std::string, MetricsGroup> out;
  for (const MetricsGroup& g : groups) {
    if (g.resource.id == resource_id && g.group_type == "interface" &&
        DimensionOf(g, "description") != "<not set>")
      out[DimensionOf(g, "interface_name")] = g;
  }
  return out;
}

TEST_F(SnmpDaemonsTest, DiscoveryEnrichmentAndPollingOfASimulatedSwitchThroughBothDaemons) {
  int port = sim_.Start(SnmpRecordingsDir());
  ASSERT_NE(port, 0);
  auto recording = ReadRecording(SnmpRecordingsDir() + "/switch48.snmprec");
  WriteSiteConfig("port = " + std::to_string(port) + "\ncommunity = switch48\ntimeout = 2\nretries = 1\n");
  AddSnmpPlugins(*this);
  StartScheduler();
  StartAgent(1, "all");

  // Discovery: sysName of the recording becomes the resource id, the seed its endpoint.
  resources::ResourceStore store(*client_, prefix_);
  std::vector<Resource> found;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto listed = store.List();
        if (listed.ok()) found = *listed;
        return !found.empty();
      },
      seconds(40), "the scheduled SNMP discovery stores the simulated switch"))
      << Logs();
  ASSERT_EQ(found.size(), 1u);
  const Resource device = found[0];
  EXPECT_EQ(device.id, recording["1.3.6.1.2.1.1.5.0"]);  // switch48.lab
  EXPECT_EQ(device.endpoint, "127.0.0.1");
  EXPECT_EQ(device.class_, "network");
  EXPECT_EQ(device.type, "net-snmp");  // sysObjectID under enterprise 8072
  EXPECT_EQ(device.metadata.at("snmp_sys_descr"), recording["1.3.6.1.2.1.1.1.0"]);

  // Enrichment: one set per ifIndex (48 ports, the LAG, the loopback), stored with its TTL.
  std::optional<EnrichmentGroup> interfaces;
  ASSERT_TRUE(WaitUntil([&] { return (interfaces = StoredEnrichment(device.id, "interface")).has_value(); },
                        seconds(40), "the scheduled interface enrichment of the discovered device is stored"))
      << Logs();
  EXPECT_EQ(interfaces->data.size(), 50u) << interfaces->data.dump();
  EXPECT_EQ(interfaces->data["1"]["description"], recording[kIfTable + "2.1"]);
  EXPECT_EQ(interfaces->data["100"]["alias"], recording[kIfXTable + "18.100"]);
  EXPECT_EQ(interfaces->ttl, 900);

  // Polling: the enrichment's dimensions and the recording's counters on the metrics stream.
  std::map<std::string, MetricsGroup> polled;
  ASSERT_TRUE(WaitUntil(
      [&] {
        polled = EnrichedInterfaces(StreamGroups(), device.id);
        return polled.size() == 50;
      },
      seconds(40), "metrics groups of all 50 interfaces, with enrichment dimensions, on the metrics stream"))
      << polled.size() << " interfaces so far" << Logs();
  for (const std::string index : {"1", "5", "47", "100", "200"}) {
    SCOPED_TRACE("ifIndex " + index);
    std::string name = recording[kIfXTable + "1." + index];
    ASSERT_TRUE(polled.count(name)) << name;
    const MetricsGroup& g = polled[name];
    EXPECT_EQ(g.resource.id, device.id);
    EXPECT_EQ(DimensionOf(g, "description"), recording[kIfTable + "2." + index]);
    std::string alias = recording[kIfXTable + "18." + index];
    EXPECT_EQ(DimensionOf(g, "alias"), alias.empty() ? "<not set>" : alias);
    EXPECT_EQ(MetricValueOf(g, "bits_in"), std::stod(recording[kIfXTable + "6." + index]) * 8);
    EXPECT_EQ(MetricValueOf(g, "bits_out"), std::stod(recording[kIfXTable + "10." + index]) * 8);
    EXPECT_EQ(MetricValueOf(g, "unicast_packets_in"), std::stod(recording[kIfXTable + "7." + index]));
    EXPECT_EQ(MetricValueOf(g, "errors_in"), std::stod(recording[kIfTable + "14." + index]));
    EXPECT_EQ(MetricValueOf(g, "discards_out"), std::stod(recording[kIfTable + "19." + index]));
    EXPECT_EQ(MetricValueOf(g, "oper_state"), std::stod(recording[kIfTable + "8." + index]));
    EXPECT_EQ(MetricValueOf(g, "mtu"), std::stod(recording[kIfTable + "4." + index]));
    EXPECT_EQ(MetricValueOf(g, "configured_speed"), std::stod(recording[kIfXTable + "15." + index]) * 1e6);
  }
  EXPECT_EQ(DimensionOf(polled["Ethernet1"], "media_type"), "ethernetCsmacd");
  EXPECT_EQ(MetricValueOf(polled["Ethernet5"], "oper_admin_state_mismatch"), 1);  // admin up, oper down
  EXPECT_EQ(MetricValueOf(polled["Ethernet1"], "oper_admin_state_mismatch"), 0);

  // Every run of the three plugins was recorded ok by the agent.
  EXPECT_EQ(MetaOf(PluginKind::kDiscovery, "SNMP Discovery", std::nullopt)["last_status"], "ok");
  EXPECT_EQ(MetaOf(PluginKind::kEnrichment, "SNMP Interface Enrichment", device)["last_status"], "ok");
  EXPECT_EQ(MetaOf(PluginKind::kPolling, "SNMP Interface Metrics", device)["last_status"], "ok");
}

}  // namespace
}  // namespace panoptes::testing
