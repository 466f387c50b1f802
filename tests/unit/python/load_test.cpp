// Loading plugin code: each loading error has its own fixture; caching and re-import.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "python_env.h"

namespace panoptes::testing {
namespace {

Status LoadFixture(PluginKind kind, const std::string& module, const std::string& class_name = "") {
  python::PluginHost host(TestInterpreter());
  return host.Load(FixturePlugin(kind, module, class_name));
}

void ExpectError(const Status& st, const std::string& needle) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(needle), std::string::npos)
      << "missing \"" << needle << "\" in: " << st.message();
}

TEST(Unit, LoadSucceedsForSingleClassOfTheKind) {
  EXPECT_TRUE(LoadFixture(PluginKind::kPolling, "polling_ok").ok());
  EXPECT_TRUE(LoadFixture(PluginKind::kDiscovery, "discovery_ok").ok());
  EXPECT_TRUE(LoadFixture(PluginKind::kEnrichment, "enrichment_ok").ok());
}

TEST(Unit, LoadAcceptsPluginInOriginalImportStyle) {
  EXPECT_TRUE(LoadFixture(PluginKind::kPolling, "original_style").ok());
}

TEST(Unit, LoadReportsModuleNotFound) {
  Status st = LoadFixture(PluginKind::kPolling, "does_not_exist");
  ExpectError(st, "module not found");
  ExpectError(st, "does_not_exist.py");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
}

TEST(Unit, LoadReportsSyntaxErrorWithFileAndLine) {
  Status st = LoadFixture(PluginKind::kPolling, "syntax_error");
  ExpectError(st, "syntax error in ");
  ExpectError(st, "syntax_error.py, line 5");
}

TEST(Unit, LoadReportsExceptionAtImportWithTraceback) {
  Status st = LoadFixture(PluginKind::kPolling, "import_raises");
  ExpectError(st, "exception while importing");
  ExpectError(st, "KeyError: 'threshold' (");
  ExpectError(st, "import_raises.py, line 4)");
  ExpectError(st, "Traceback");
}

TEST(Unit, LoadReportsNoPluginClass) {
  ExpectError(LoadFixture(PluginKind::kPolling, "no_class"), "no plugin class in");
}

TEST(Unit, LoadReportsAmbiguousClassAndAcceptsNamedClass) {
  Status st = LoadFixture(PluginKind::kPolling, "ambiguous");
  ExpectError(st, "ambiguous plugin class");
  ExpectError(st, "First, Second");
  EXPECT_TRUE(LoadFixture(PluginKind::kPolling, "ambiguous", "Second").ok());
  ExpectError(LoadFixture(PluginKind::kPolling, "ambiguous", "Third"), "[Core] Class Third");
}

TEST(Unit, LoadReportsClassOfWrongKind) {
  Status st = LoadFixture(PluginKind::kPolling, "wrong_kind");
  ExpectError(st, "wrong kind");
  ExpectError(st, "ActuallyDiscovery");
  ExpectError(st, "PanoptesPollingPlugin");
  ExpectError(LoadFixture(PluginKind::kPolling, "wrong_kind", "ActuallyDiscovery"), "wrong kind");
}

TEST(Unit, LoadReportsExceptionInConstructor) {
  Status st = LoadFixture(PluginKind::kPolling, "init_raises");
  ExpectError(st, "exception in InitRaises()");
  ExpectError(st, "RuntimeError: cannot construct");
}

TEST(Unit, ValidatePluginCodeLoadsInThrowawayHost) {
  EXPECT_TRUE(
      python::ValidatePluginCode(TestInterpreter(), FixturePlugin(PluginKind::kPolling, "polling_ok")).ok());
  EXPECT_FALSE(
      python::ValidatePluginCode(TestInterpreter(), FixturePlugin(PluginKind::kPolling, "no_class")).ok());
}

void WriteModule(const std::string& path, int value) {
  std::ofstream(path) << "from panoptes import *\n"
                         "class P(PanoptesPollingPlugin):\n"
                         "    def run(self, context):\n"
                         "        g = PanoptesMetricsGroup(context.data, 'v', 60)\n"
                         "        g.add_metric(PanoptesMetric('v', "
                      << value
                      << ", PanoptesMetricType.GAUGE))\n"
                         "        s = PanoptesMetricsGroupSet(); s.add(g); return s\n";
}

int64_t RunValue(python::PluginHost& host, const PluginInfo& info) {
  python::RunInput input;
  input.resource = TestResource();
  auto outcome = host.Run(info, input);
  EXPECT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  if (outcome.status != python::RunStatus::kOk) return -1;
  return std::get<int64_t>(std::get<PollingResult>(outcome.result).groups.at(0).metrics.at(0).value);
}

TEST(Unit, HostCachesInstanceAndReimportsWhenModuleMtimeChanges) {
  auto dir = std::filesystem::temp_directory_path() / ("panoptes_reload_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  PluginInfo info = FixturePlugin(PluginKind::kPolling, "x");
  info.module_path = (dir / "reloaded.py").string();
  info.file = (dir / "reloaded.panoptes-plugin").string();
  WriteModule(info.module_path, 1);
  info.module_mtime_ns = 1;
  python::PluginHost host(TestInterpreter());
  EXPECT_EQ(RunValue(host, info), 1);
  WriteModule(info.module_path, 2);
  EXPECT_EQ(RunValue(host, info), 1) << "same mtime: the cached instance is used";
  info.module_mtime_ns = 2;
  EXPECT_EQ(RunValue(host, info), 2) << "new mtime: the module is imported again";
  EXPECT_EQ(host.loaded(), 1u);
  host.Forget(info.file);
  EXPECT_EQ(host.loaded(), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace panoptes::testing
