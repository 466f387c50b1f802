#include "integration/snmp/daemons_fixture.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "config/identity.h"
#include "model/identity.h"
#include "model/json.h"

namespace panoptes::testing {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::map<std::string, std::string> ReadRecording(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find('|');
    size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    out[line.substr(0, a)] = line.substr(b + 1);
  }
  EXPECT_FALSE(out.empty()) << "no OID|TYPE|VALUE line in " << path;
  return out;
}

void SnmpDaemonsTest::TearDown() {
  scheduler_.reset();  // SIGKILL: the test is over
  AgentTest::TearDown();
}

std::string SnmpDaemonsTest::AddPluginFile(const std::string& kind, const std::string& file,
                                           const std::string& text) {
  return dir_.Write(kind + "/" + file + ".panoptes-plugin", text);
}

void SnmpDaemonsTest::WriteSiteConfig(const std::string& snmp, const std::string& python_path) {
  std::ostringstream ini;
  ini << "[main]\nsites = local\nplugins_skew = 0\n\n[redis]\nhost = 127.0.0.1\nport = " << redis_.port()
      << "\nkey_prefix = " << prefix_ << "\nreconnect_max_backoff_ms = 200\n\n";
  for (const char* kind : {"discovery", "enrichment", "polling"}) {
    ini << "[" << kind << "]\nplugins_paths = " << dir_.path() << "/" << kind << "\n\n";
  }
  ini << "[scheduler]\nleader_ttl_ms = 1000\n\n[agent]\nheartbeat_interval_ms = 200\nheartbeat_ttl_ms = "
         "1000\n"
      << "shutdown_grace_s = 5\n\n[http]\nagent_listen = 127.0.0.1:0\nscheduler_listen = 127.0.0.1:0\n\n"
      << "[snmp]\n"
      << snmp << "\n";
  if (!python_path.empty()) ini << "[python]\npath = " << python_path << "\n";
  config_path_ = dir_.Write("panoptes.ini", ini.str());
  for (const char* kind : {"discovery", "enrichment", "polling"})
    dir_.Write(std::string(kind) + "/.keep", "");
}

void SnmpDaemonsTest::StartScheduler() {
  scheduler_ = std::make_unique<scheduler::Daemon>(config_path_, dir_.path() + "/scheduler.log", "all");
}

std::string SnmpDaemonsTest::SchedulerLog() const {
  return ReadText(dir_.path() + "/scheduler.log");
}

std::vector<MetricsGroup> SnmpDaemonsTest::StreamGroups(const std::string& site) {
  std::vector<MetricsGroup> out;
  redis::Reply entries = Cmd({"XRANGE", Key("metrics:" + site), "-", "+"});
  for (const auto& e : entries.elements) {
    if (e.elements.size() < 2 || e.elements[1].elements.size() < 2) {
      ADD_FAILURE() << "a stream entry without a data field";
      continue;
    }
    auto group = model::ParseMetricsGroup(e.elements[1].elements[1].str);
    if (!group.ok()) {
      ADD_FAILURE() << "a stream entry that is no metrics group: " << group.status().ToString();
      continue;
    }
    out.push_back(*group);
  }
  return out;
}

std::optional<EnrichmentGroup> SnmpDaemonsTest::StoredEnrichment(const std::string& resource_id,
                                                                 const std::string& name_space) {
  redis::Reply r = Cmd({"GET", Key("enrichment:" + resource_id + ":" + name_space)});
  if (r.str.empty()) return std::nullopt;
  auto group = model::ParseEnrichmentGroup(r.str);
  EXPECT_TRUE(group.ok()) << group.status().ToString();
  if (!group.ok()) return std::nullopt;
  return *group;
}

std::map<std::string, std::string> SnmpDaemonsTest::MetaOf(PluginKind kind, const std::string& plugin,
                                                           const std::optional<Resource>& resource) {
  std::string name = config::NormalizedName(plugin);
  std::string signature = model::Signature(name, resource ? &*resource : nullptr);
  redis::Reply r =
      Cmd({"HGETALL", Key("meta:" + std::string(KindName(kind)) + ":" + name + ":" + signature)});
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

std::string SnmpDaemonsTest::Logs() {
  std::string agents;
  for (size_t n = 0; n < agents_.size(); ++n) agents += AgentLog(static_cast<int>(n));
  return "\n--- agent log:\n" + agents + "\n--- scheduler log:\n" + SchedulerLog() +
         "\n--- snmpsimd log: " + sim_.log_path();
}

double MetricValueOf(const MetricsGroup& group, const std::string& metric) {
  for (const Metric& m : group.metrics) {
    if (m.name == metric) {
      return std::visit([](auto v) { return static_cast<double>(v); }, m.value);
    }
  }
  return std::nan("");
}

std::string DimensionOf(const MetricsGroup& group, const std::string& dimension) {
  for (const Dimension& d : group.dimensions) {
    if (d.name == dimension) return d.value;
  }
  return "";
}

}  // namespace panoptes::testing
