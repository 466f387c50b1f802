#pragma once
// Fixture of the SNMP tests through both daemons: the agent fixture (a real redis-server, a temp
// dir, panoptes-agent as a program), a real snmpsimd serving recordings, panoptes-scheduler as a
// program, plugin files written into <dir>/<kind>/, and readers of the metrics stream and the
// stored enrichment.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/agent/agent_fixture.h"
#include "integration/scheduler/daemon_process.h"
#include "model/enrichment.h"
#include "support/snmp_sim.h"

namespace panoptes::testing {

// One .snmprec recording: {OID without leading period: value text}.
std::map<std::string, std::string> ReadRecording(const std::string& path);

class SnmpDaemonsTest : public AgentTest {
 protected:
  void TearDown() override;

 public:
  // Writes <dir>/<kind>/<file>.panoptes-plugin with `text` (a whole plugin file).
  std::string AddPluginFile(const std::string& kind, const std::string& file, const std::string& text);
  // Writes <dir>/panoptes.ini: site `local`, the three kinds' plugins_paths under <dir>, [snmp]
  // lines `snmp` (e.g. "port = 1234\ncommunity = switch48\n"), [python] path `python_path`.
  void WriteSiteConfig(const std::string& snmp, const std::string& python_path = "");
  // Starts panoptes-scheduler (all kinds) on that config; its log is <dir>/scheduler.log.
  void StartScheduler();
  std::string SchedulerLog() const;

  // The metrics groups on P:metrics:<site> (entries that do not parse fail the test).
  std::vector<MetricsGroup> StreamGroups(const std::string& site = "local");
  // The stored enrichment group of `resource_id` and `name_space`, if any.
  std::optional<EnrichmentGroup> StoredEnrichment(const std::string& resource_id,
                                                  const std::string& name_space);
  // P:meta of a plugin (by Name) for `resource` (nullopt: discovery).
  std::map<std::string, std::string> MetaOf(PluginKind kind, const std::string& plugin,
                                            const std::optional<Resource>& resource);
  // Everything a failure message needs: the agent's and the scheduler's logs.
  std::string Logs();

  SnmpSim sim_;
  std::unique_ptr<scheduler::Daemon> scheduler_;
};

// A metric's value as a double (either alternative), or NaN when the group lacks it.
double MetricValueOf(const MetricsGroup& group, const std::string& metric);
// A dimension's value, or "" when the group lacks it.
std::string DimensionOf(const MetricsGroup& group, const std::string& dimension);

}  // namespace panoptes::testing
