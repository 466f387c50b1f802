// The host's shortcuts around the embedded classes (host.cpp, convert.cpp): context.data and the
// context made without running __init__, result attributes read straight from __slots__, with
// getattr for subclasses and modified classes. Each must give what the plain Python path gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "python_env.h"

namespace panoptes::testing {
namespace {

namespace fs = std::filesystem;

// A polling plugin module `<name>.py` holding `code` (after the common imports), in a directory of
// this test binary.
PluginInfo WritePlugin(const std::string& name, const std::string& code) {
  fs::path dir = fs::temp_directory_path() / ("panoptes_fast_path_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path module = dir / (name + ".py");
  std::ofstream(module) << "from panoptes import *\nimport panoptes, time\n\n" << code;
  PluginInfo info;
  info.kind = PluginKind::kPolling;
  info.name = info.normalized_name = name;
  info.file = (dir / (name + ".panoptes-plugin")).string();
  info.module_path = module.string();
  info.execute_frequency = 60;
  info.sections = {{"main", {{"execute_frequency", "60"}}}};
  return info;
}

python::RunOutcome RunOnce(const PluginInfo& info, std::optional<Resource> resource) {
  python::PluginHost host(TestInterpreter());
  python::RunInput input;
  input.resource = std::move(resource);
  input.sites = {"dc1", "dc2"};
  input.signature = "sig";
  return host.Run(info, input);
}

// A plugin that asserts `checks` about `context` and returns None: kEmpty when they hold.
const char* const kCheckingPlugin = R"(
class Checks(PanoptesPollingPlugin):
    def run(self, context):
        d = context.data
%s
        return None
)";

std::string Checking(const std::string& checks) {
  std::string code = kCheckingPlugin;
  std::string indented;
  size_t start = 0;
  while (start < checks.size()) {
    size_t end = checks.find('\n', start);
    if (end == std::string::npos) end = checks.size();
    indented += "        " + checks.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return code.replace(code.find("%s\n"), 3, indented);
}

TEST(Unit, TaskResourceReachesThePluginAsTheConstructorBuildsIt) {
  PluginInfo info = WritePlugin("resource_like_ctor", Checking(R"(
assert type(d) is PanoptesResource, type(d)
ref = PanoptesResource('dc1', 'network', 'switch', 'acme', 'host-1', 'host-1.example.com',
                       1700000000.25, 'TestDiscovery')
ref._metadata.clear()
ref._metadata.update({'model': 'x1', '_resource_ttl': '3600'})
assert d.raw == ref.raw, (d.raw, ref.raw)
assert d == ref and hash(d) == hash(ref) and repr(d) == repr(ref)
assert list(d.resource_metadata) == ['_resource_ttl', 'model'], d.resource_metadata
assert d.resource_ttl == '3600' and d.resource_creation_timestamp == 1700000000.25
d.add_metadata('added', 'yes')  # the object is a working PanoptesResource
assert d.resource_metadata['added'] == 'yes')"));
  auto outcome = RunOnce(info, TestResource());
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty) << outcome.error;
}

TEST(Unit, TaskResourceWithoutPluginOrMetadataMatchesTheConstructor) {
  PluginInfo info = WritePlugin("resource_bare", Checking(R"(
assert d.resource_plugin is None and d.resource_metadata == {}, d.raw
assert d.resource_ttl is None)"));
  Resource r = TestResource();
  r.plugin.clear();
  r.metadata.clear();
  auto outcome = RunOnce(info, r);
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty) << outcome.error;
}

TEST(Unit, InvalidTaskResourceFailsTheRunWithTheConstructorsError) {
  PluginInfo info = WritePlugin("resource_invalid", Checking("pass"));
  Resource r = TestResource();
  r.site.clear();
  auto outcome = RunOnce(info, r);
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("AssertionError: resource_site must be a non-empty str"), std::string::npos)
      << outcome.error;
  r = TestResource();
  r.endpoint.clear();
  outcome = RunOnce(info, r);
  EXPECT_NE(outcome.error.find("resource_endpoint must be a non-empty str"), std::string::npos)
      << outcome.error;
}

TEST(Unit, TaskResourceWithoutTimestampGetsTheCurrentTime) {
  PluginInfo info = WritePlugin("resource_no_ts", Checking(R"(
assert abs(d.resource_creation_timestamp - time.time()) < 60, d.resource_creation_timestamp
assert d.resource_metadata == {'model': 'x1', '_resource_ttl': '3600'}, d.resource_metadata)"));
  Resource r = TestResource();
  r.creation_timestamp = 0;
  auto outcome = RunOnce(info, r);
  EXPECT_EQ(outcome.status, python::RunStatus::kEmpty) << outcome.error;
}

TEST(Unit, EachRunGetsItsOwnCompleteContext) {
  PluginInfo info = WritePlugin("context_each_run", R"(
import logging
class Contexts(PanoptesPollingPlugin):
    seen = []
    def run(self, context):
        assert type(context) is PanoptesPluginContext, type(context)
        assert isinstance(context.logger, logging.Logger)
        assert context.config == {'main': {'execute_frequency': '60'}}, context.config
        assert context.sites == ['dc1', 'dc2'] and context.enrichment is None
        assert context.data.resource_id == 'host-1'
        assert context.get_kv_store() is context.kv and context.secrets is not None
        assert all(c is not context for c in self.seen), 'a context object was reused'
        self.seen.append(context)
        g = PanoptesMetricsGroup(context.data, 'runs', 60)
        g.add_metric(PanoptesMetric('runs', len(self.seen), PanoptesMetricType.COUNTER))
        s = PanoptesMetricsGroupSet()
        s.add(g)
        return s
)");
  python::PluginHost host(TestInterpreter());
  python::RunInput input;
  input.resource = TestResource();
  input.sites = {"dc1", "dc2"};
  for (int64_t run = 1; run <= 3; ++run) {
    auto outcome = host.Run(info, input);
    ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
    EXPECT_EQ(std::get<int64_t>(std::get<PollingResult>(outcome.result).groups.at(0).metrics.at(0).value),
              run);
  }
}

// A metric subclass whose _value property hides the slot of PanoptesMetric: the slot holds -1, the
// attribute (what the plain getattr path reads) is twice the given value.
const char* const kSubclassPlugin = R"(
class Doubled(PanoptesMetric):
    __slots__ = ('_raw',)
    _value = property(lambda self: self._raw * 2, lambda self, v: setattr(self, '_raw', v))
    def __init__(self, *args):
        PanoptesMetric.__init__(self, *args)
        PanoptesMetric.__dict__['_value'].__set__(self, -1)

class Group(PanoptesMetricsGroup):
    __slots__ = ()

class Subclasses(PanoptesPollingPlugin):
    def run(self, context):
        g = Group(context.data, 'sub', 60)
        g.add_metric(Doubled('doubled', 21, PanoptesMetricType.GAUGE))
        g.add_metric(PanoptesMetric('plain', 5, PanoptesMetricType.GAUGE))
        s = PanoptesMetricsGroupSet()
        s.add(g)
        return s
)";

TEST(Unit, SubclassedResultObjectsConvertThroughTheirAttributes) {
  auto outcome = RunOnce(WritePlugin("subclasses", kSubclassPlugin), TestResource());
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& g = std::get<PollingResult>(outcome.result).groups.at(0);
  EXPECT_EQ(g.group_type, "sub");
  ASSERT_EQ(g.metrics.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(g.metrics[0].value), 42)
      << "read the base slot instead of the subclass property";
  EXPECT_EQ(std::get<int64_t>(g.metrics[1].value), 5);
}

TEST(Unit, EmbeddedClassModifiedAtRunTimeConvertsThroughItsAttributes) {
  // The run replaces PanoptesMetric._ts by a property (the slot keeps the real time); the test puts
  // the member descriptor back afterwards.
  PluginInfo info = WritePlugin("modifies_class", R"(
class Modifies(PanoptesPollingPlugin):
    def run(self, context):
        slot = PanoptesMetric.__dict__['_ts']
        panoptes.saved_ts_slot = slot
        PanoptesMetric._ts = property(lambda self: 1234.5, lambda self, v: slot.__set__(self, v))
        g = PanoptesMetricsGroup(context.data, 'modified', 60)
        g.add_metric(PanoptesMetric('m', 1, PanoptesMetricType.GAUGE))
        s = PanoptesMetricsGroupSet()
        s.add(g)
        return s
)");
  python::PluginHost host(TestInterpreter());  // made before the class changes
  python::RunInput input;
  input.resource = TestResource();
  auto outcome = host.Run(info, input);
  Status restored =
      TestInterpreter().Exec("import panoptes\npanoptes.PanoptesMetric._ts = panoptes.saved_ts_slot\n");
  ASSERT_TRUE(restored.ok()) << restored.message();
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  EXPECT_DOUBLE_EQ(std::get<PollingResult>(outcome.result).groups.at(0).metrics.at(0).creation_timestamp,
                   1234.5);
}

TEST(Unit, UnsetResultAttributeIsAnErrorOutcome) {
  PluginInfo info = WritePlugin("unset_slot", R"(
class Unset(PanoptesPollingPlugin):
    def run(self, context):
        g = PanoptesMetricsGroup(context.data, 'unset', 60)
        m = PanoptesMetric('m', 1, PanoptesMetricType.GAUGE)
        del m._ts
        g.add_metric(m)
        s = PanoptesMetricsGroupSet()
        s.add(g)
        return s
)");
  auto outcome = RunOnce(info, TestResource());
  EXPECT_EQ(outcome.status, python::RunStatus::kError);
  EXPECT_NE(outcome.error.find("AttributeError"), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find("_ts"), std::string::npos) << outcome.error;
}

TEST(Unit, ConvertedTimestampsAreRoundedToMilliseconds) {
  PluginInfo info = WritePlugin("timestamps", R"(
class Stamps(PanoptesPollingPlugin):
    def run(self, context):
        g = PanoptesMetricsGroup(context.data, 'ts', 60)
        g.add_metric(PanoptesMetric('now', 1, PanoptesMetricType.GAUGE))
        g.add_metric(PanoptesMetric('given', 1, PanoptesMetricType.GAUGE, 1700000000.4566))
        s = PanoptesMetricsGroupSet()
        s.add(g)
        return s
)");
  auto outcome = RunOnce(info, TestResource());
  ASSERT_EQ(outcome.status, python::RunStatus::kOk) << outcome.error;
  const auto& g = std::get<PollingResult>(outcome.result).groups.at(0);
  double now = static_cast<double>(std::time(nullptr));
  for (double ts : {g.creation_timestamp, g.metrics.at(0).creation_timestamp}) {
    EXPECT_NEAR(ts, now, 60);
    EXPECT_NEAR(ts * 1000, std::round(ts * 1000), 1e-3) << ts;
  }
  EXPECT_DOUBLE_EQ(g.metrics.at(1).creation_timestamp, 1700000000.457);
}

}  // namespace
}  // namespace panoptes::testing
