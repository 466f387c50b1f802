// context.snmp and context.x509: the site's [snmp] / [x509] as the original's plugins read them
// (plain dicts, ints for the numeric keys), a fresh copy per run; the plugin file's own sections
// stay in context.config.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "python_env.h"

namespace panoptes::testing {
namespace {

namespace fs = std::filesystem;

PluginInfo SnmpPlugin(const std::string& name, const std::string& checks) {
  fs::path dir = fs::temp_directory_path() / ("panoptes_snmp_context_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path module = dir / (name + ".py");
  std::ofstream(module) << "from panoptes import *\n\nclass P(PanoptesPollingPlugin):\n"
                           "    def run(self, context):\n"
                           "        s, x = context.snmp, context.x509\n"
                        << checks << "        s['port'] = -1\n        return None\n";
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = info.normalized_name = name;
  info.file = (dir / (name + ".panoptes-plugin")).string();
  info.module_path = module.string();
  info.execute_frequency = 60;
  info.sections = {{"main", {{"execute_frequency", "60"}}}, {"snmp", {{"port", "1161"}}}};
  return info;
}

python::RunOutcome RunTwice(python::PluginHost& host, const PluginInfo& info) {
  python::RunInput input;
  input.resource = TestResource();
  input.sites = {"dc1"};
  auto first = host.Run(info, input);
  if (first.status == python::RunStatus::kError) return first;
  return host.Run(info, input);
}

TEST(Unit, ContextSnmpHasTheOriginalDefaults) {
  PluginInfo info = SnmpPlugin("snmp_defaults", R"(
        assert type(s) is dict and type(x) is dict, (type(s), type(x))
        assert s == {'connection_factory_module': 'yahoo_panoptes.plugins.helpers.snmp_connections',
                     'connection_factory_class': 'PanoptesSNMPConnectionFactory', 'community': 'public',
                     'community_string_key': 'snmp_community_string', 'version': '2c', 'timeout': 5,
                     'retries': 1, 'non_repeaters': 0, 'max_repetitions': 25, 'port': 161,
                     'proxy_port': 10161, 'v3_username': '', 'v3_security_level': 'authPriv',
                     'v3_auth_protocol': 'SHA', 'v3_privacy_protocol': 'AES', 'v3_context': '',
                     'v3_auth_password_key': 'snmp_v3_auth_password',
                     'v3_privacy_password_key': 'snmp_v3_privacy_password'}, s
        assert x == {'x509_secured_requests': 0, 'x509_cert_location': '/home/panoptes/x509/certs',
                     'x509_cert_filename': 'panoptes.pem', 'x509_key_location': '/home/panoptes/x509/keys',
                     'x509_key_filename': 'panoptes.key'}, x
        assert context.config['snmp'] == {'port': '1161'}, 'the plugin file keeps its own section'
)");
  python::PluginHost host(TestInterpreter());
  auto outcome = RunTwice(host, info);
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty) << outcome.error;
}

TEST(Unit, ContextSnmpCarriesTheSiteValues) {
  PluginInfo info = SnmpPlugin("snmp_site", R"(
        assert s['community'] == 'site secret' and s['port'] == 10161 and s['timeout'] == 2, s
        assert s['version'] == '3' and s['max_repetitions'] == 50, s
        assert x['x509_secured_requests'] == 1 and x['x509_key_filename'] == 'k.key', x
)");
  python::PluginDefaults defaults;
  defaults.snmp.community = "site secret";
  defaults.snmp.port = 10161;
  defaults.snmp.timeout = 2;
  defaults.snmp.version = "3";
  defaults.snmp.max_repetitions = 50;
  defaults.x509.x509_secured_requests = 1;
  defaults.x509.x509_key_filename = "k.key";
  python::PluginHost host(TestInterpreter(), defaults);
  auto outcome = RunTwice(host, info);
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty)
      << "the second run sees the site's port, not the first run's edit: " << outcome.error;
}

TEST(Unit, TheRunTimeLimitBoundsTheSnmpBudgetDuringTheRunOnly) {
  // A 10 s limit: the budget is what is left of it less a margin of 1 s. No limit (panoptes-ctl
  // run): no budget.
  PluginInfo limited = SnmpPlugin("snmp_budget_limited", R"(
        from panoptes import _host
        budget = _host.snmp_budget()
        assert _host.run_time_limit == 10.0 and 8.5 < budget <= 9.0, (_host.run_time_limit, budget)
)");
  PluginInfo unlimited = SnmpPlugin("snmp_budget_none", R"(
        from panoptes import _host
        assert _host.run_time_limit is None and _host.snmp_budget() is None, _host.run_time_limit
)");
  python::PluginHost host(TestInterpreter());
  python::RunInput input;
  input.resource = TestResource();
  input.sites = {"dc1"};
  input.time_limit_s = 10;
  auto with_limit = host.Run(limited, input);
  EXPECT_EQ(with_limit.status, python::RunStatus::kEmpty) << with_limit.error;
  EXPECT_TRUE(TestInterpreter().Exec("from panoptes import _host\nassert _host.run_time_limit is None").ok())
      << "the limit is cleared after the run";
  input.time_limit_s = 0;
  auto without = host.Run(unlimited, input);
  EXPECT_EQ(without.status, python::RunStatus::kEmpty) << without.error;
}

}  // namespace
}  // namespace panoptes::testing
