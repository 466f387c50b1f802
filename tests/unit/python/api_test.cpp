// The embedded `panoptes` module (docs/plugin-api.md): every result type's constructor validation, run as
// Python snippets in the test interpreter. A snippet fails the test by raising.
#include <gtest/gtest.h>

#include "python_env.h"

namespace panoptes::testing {
namespace {

// Runs `code` after the common imports and a helper `raises(exc, fn, *args)`.
void ExpectPython(const std::string& code) {
  static const std::string kPrelude = R"(
from panoptes import *
def raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return
    except Exception as e:
        raise AssertionError('expected %s, got %r' % (exc.__name__, e))
    raise AssertionError('expected %s, nothing raised' % exc.__name__)
r = PanoptesResource('dc1', 'network', 'switch', 'acme', 'sw1', 'sw1.example.com', resource_plugin='p')
)";
  Status st = TestInterpreter().Exec(kPrelude + code);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(Unit, InterpreterIsIsolatedAndHasConfiguredPath) {
  ExpectPython(R"(
import sys
assert sys.flags.isolated == 1, sys.flags
assert sys.executable == '/usr/bin/python3', sys.executable
assert sys.prefix == '/usr', sys.prefix
import panoptes_test_helper
assert panoptes_test_helper.GREETING.startswith('hello')
)");
}

TEST(Unit, SecondInterpreterInProcessIsRefused) {
  auto second = python::Interpreter::Start();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kInternal);
}

TEST(Unit, ExecReturnsTracebackWhenPythonRaises) {
  Status st = TestInterpreter().Exec("def f():\n    raise ValueError('boom')\nf()\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kPythonError);
  EXPECT_NE(st.message().find("ValueError: boom"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("Traceback"), std::string::npos) << st.message();
}

TEST(Unit, ResourceValidatesArgumentsAndMetadata) {
  ExpectPython(R"(
raises(AssertionError, PanoptesResource, '', 'c', 's', 't', 'i', 'e')
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 'i', '')
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 5, 'e')
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 'i', 'e', resource_plugin='')
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 'i', 'e', resource_ttl=0)
raises(ValueError, r.add_metadata, '1bad', 'v')
raises(ValueError, r.add_metadata, 'key', 'a|b')
raises(AssertionError, r.add_metadata, 'key', '')
r.add_metadata('os_name', 'Linux')
assert r.resource_metadata['os_name'] == 'Linux'
assert r.resource_ttl == '604800'
assert r.resource_id == 'sw1' and r.resource_endpoint == 'sw1.example.com' and r.resource_plugin == 'p'
assert r.serialization_key == 'plugin|p|site|dc1|class|network|subclass|switch|type|acme|id|sw1|endpoint|sw1.example.com'
same = PanoptesResource('dc1', 'network', 'switch', 'acme', 'sw1', 'other', resource_plugin='q')
s = PanoptesResourceSet(); s.add(r); s.add(same)
assert len(s) == 1
raises(AssertionError, s.add, 'not a resource')
d = PanoptesResource.resource_from_dict(r.raw)
assert d == r and d.resource_metadata['os_name'] == 'Linux'
)");
}

TEST(Unit, MetricValidatesNameValueAndType) {
  ExpectPython(R"(
raises(AssertionError, PanoptesMetric, '', 1, PanoptesMetricType.GAUGE)
raises(ValueError, PanoptesMetric, '1abc', 1, PanoptesMetricType.GAUGE)
raises(ValueError, PanoptesMetric, 'a-b', 1, PanoptesMetricType.GAUGE)
raises(AssertionError, PanoptesMetric, 'a', '1', PanoptesMetricType.GAUGE)
raises(AssertionError, PanoptesMetric, 'a', True, PanoptesMetricType.GAUGE)
raises(AssertionError, PanoptesMetric, 'a', None, PanoptesMetricType.GAUGE)
raises(AssertionError, PanoptesMetric, 'a', 1, 7)
raises(AssertionError, PanoptesMetric, 'a', 1, PanoptesMetricType.GAUGE, 'yesterday')
m = PanoptesMetric('a', 1.5, PanoptesMetricType.COUNTER, 1700000000.12345)
assert m.metric_name == 'a' and m.metric_value == 1.5 and m.metric_type == PanoptesMetricType.COUNTER
assert m.metric_timestamp == 1700000000.123
import decimal
PanoptesMetric('d', decimal.Decimal('1.5'), PanoptesMetricType.GAUGE)
)");
}

TEST(Unit, NameCheckCacheKeepsEveryCheckAndItsOrder) {
  ExpectPython(R"(
import yahoo_panoptes.framework.metrics as pm
class S(str):
    pass
G = PanoptesMetricType.GAUGE
for _ in range(2):  # the second round finds the valid names remembered
    PanoptesMetric('known', 1, G)
    PanoptesMetricDimension('known', 'v')
    raises(ValueError, PanoptesMetric, '1bad', 1, G)
    raises(ValueError, PanoptesMetricDimension, '1bad', 'v')
    raises(AssertionError, PanoptesMetric, S('known'), 1, G)  # a str subclass, even of a known name
    raises(AssertionError, PanoptesMetricDimension, S('known'), 'v')
    raises(AssertionError, PanoptesMetric, '1bad', 'x', G)  # the value is checked before the pattern
    raises(AssertionError, PanoptesMetric, 'known', 1, 7)
    raises(AssertionError, PanoptesMetricDimension, 'known', '')
assert 'known' in pm._valid_names and '1bad' not in pm._valid_names
for i in range(pm._VALID_NAMES_MAX + 10):
    PanoptesMetric('n%d' % i, 1, G)
assert 0 < len(pm._valid_names) <= pm._VALID_NAMES_MAX, len(pm._valid_names)
raises(ValueError, PanoptesMetric, '1bad', 1, G)
m = PanoptesMetric('known', 2, G)
assert abs(m.metric_timestamp - __import__('time').time()) < 60
assert m.metric_timestamp == round(m.metric_timestamp, 3)
)");
}

TEST(Unit, ResourceAcceptsStrSubclassesAndRefusesBoolTtl) {
  ExpectPython(R"(
class S(str):
    pass
x = PanoptesResource(S('dc1'), 'c', 's', 't', S('i'), 'e', resource_plugin=S('p'))
assert x.resource_site == 'dc1' and x.resource_plugin == 'p'
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 'i', 'e', resource_ttl=True)
raises(AssertionError, PanoptesResource, 'dc1', 'c', 's', 't', 'i', S(''))
raises(AssertionError, PanoptesResource, 'dc1', 'c', None, 't', 'i', 'e')
y = PanoptesResource('dc1', 'c', 's', 't', 'i', 'e', resource_ttl=60)
assert y.resource_ttl == '60' and y.resource_plugin is None and y.resource_creation_timestamp > 0
)");
}

TEST(Unit, DimensionValidatesNameAndValue) {
  ExpectPython(R"(
raises(AssertionError, PanoptesMetricDimension, '', 'v')
raises(AssertionError, PanoptesMetricDimension, 'n', '')
raises(AssertionError, PanoptesMetricDimension, 'n', 3)
raises(ValueError, PanoptesMetricDimension, 'bad name', 'v')
d = PanoptesMetricDimension('interface', 'eth0')
assert d.name == 'interface' and d.value == 'eth0'
)");
}

TEST(Unit, MetricsGroupRefusesDuplicatesAndBadArguments) {
  ExpectPython(R"(
raises(AssertionError, PanoptesMetricsGroup, 'not a resource', 'cpu', 60)
raises(AssertionError, PanoptesMetricsGroup, r, '', 60)
raises(AssertionError, PanoptesMetricsGroup, r, 'cpu', 0)
raises(AssertionError, PanoptesMetricsGroup, r, 'cpu', 1.5)
g = PanoptesMetricsGroup(r, 'cpu', 60)
g.add_metric(PanoptesMetric('load', 1, PanoptesMetricType.GAUGE))
raises(KeyError, g.add_metric, PanoptesMetric('load', 2, PanoptesMetricType.GAUGE))
g.add_metric(PanoptesMetric('load', 2, PanoptesMetricType.COUNTER))  # same name, other type: allowed
raises(AssertionError, g.add_metric, 'load')
g.add_dimension(PanoptesMetricDimension('core', '0'))
raises(KeyError, g.add_dimension, PanoptesMetricDimension('core', '1'))
g.upsert_dimension(PanoptesMetricDimension('core', '1'))
assert g.get_dimension_by_name('core').value == '1'
assert g.contains_dimension_by_name('core')
g.delete_dimension_by_name('core')
assert not g.contains_dimension_by_name('core')
assert [m.metric_name for m in g.metrics] == ['load', 'load']
assert g.schema_version == '0.2' and g.interval == 60 and g.group_type == 'cpu' and g.resource is r
c = g.copy()
assert len(c.metrics) == 2
s = PanoptesMetricsGroupSet(); s.add(g); s.add(g)
assert len(s) == 1
raises(AssertionError, s.add, 'group')
assert len(s + s) == 1
raises(TypeError, s.__add__, 5)
)");
}

TEST(Unit, EnrichmentTypesValidateAgainstCerberusSchema) {
  ExpectPython(R"(
class Schema(PanoptesEnrichmentSchemaValidator):
    schema = {'enrichment_label': {'type': 'dict', 'schema': {'speed': {'type': 'integer', 'required': True}}}}
raises(AssertionError, PanoptesEnrichmentSet, '')
raises(AssertionError, PanoptesEnrichmentSet, 'k', 'not a dict')
s = PanoptesEnrichmentSet('eth0'); s.add('speed', 10)
assert s.key == 'eth0' and s.value == {'speed': 10} and len(s) == 1
raises(AssertionError, PanoptesEnrichmentGroup, '', Schema(), 10, 10)
raises(AssertionError, PanoptesEnrichmentGroup, 'ns', object(), 10, 10)
raises(AssertionError, PanoptesEnrichmentGroup, 'ns', Schema(), 0, 10)
raises(AssertionError, PanoptesEnrichmentGroup, 'ns', Schema(), 10, -1)
g = PanoptesEnrichmentGroup('ns', Schema(), 300, 60)
raises(AssertionError, g.add_enrichment_set, PanoptesEnrichmentSet('eth1', {'speed': 'fast'}))
raises(AssertionError, g.add_enrichment_set, PanoptesEnrichmentSet('eth1', {}))
g.add_enrichment_set(s)
g.add_enrichment_set(PanoptesEnrichmentSet('eth0', {'speed': 20}))  # same key replaces
assert len(g) == 1 and list(g.data)[0].value == {'speed': 20}
raises(ValueError, g.upsert_metadata, '_reserved', 'x')
g.upsert_metadata('source', 'test')
assert g.enrichment_ttl == 300 and g.execute_frequency == 60
gs = PanoptesEnrichmentGroupSet(r)
raises(AssertionError, gs.add_enrichment_group, PanoptesEnrichmentGroup('empty', Schema(), 300, 60))
raises(AssertionError, PanoptesEnrichmentGroupSet, 'resource')
gs.add_enrichment_group(g)
m = PanoptesEnrichmentMultiGroupSet()
raises(AssertionError, m.add_enrichment_group_set, PanoptesEnrichmentGroupSet(r))
m.add_enrichment_group_set(gs)
assert len(m) == 1
)");
}

TEST(Unit, OriginalImportPathsExportTheApi) {
  ExpectPython(R"(
from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin, PanoptesPollingPluginError, PanoptesPollingPluginConfigurationError
from yahoo_panoptes.discovery.panoptes_discovery_plugin import PanoptesDiscoveryPlugin, PanoptesDiscoveryPluginError
from yahoo_panoptes.enrichment.enrichment_plugin import PanoptesEnrichmentPlugin, PanoptesEnrichmentPluginError
from yahoo_panoptes.framework.resources import PanoptesResource as R2, PanoptesResourceSet
from yahoo_panoptes.framework.metrics import PanoptesMetricsGroup as G2
from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentSchemaValidator as V2
from yahoo_panoptes.framework.plugins.panoptes_base_plugin import PanoptesPluginConfigurationError, PanoptesPluginRuntimeError
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
import yahoo_panoptes.framework.metrics
import panoptes
assert R2 is panoptes.PanoptesResource and G2 is panoptes.PanoptesMetricsGroup
assert yahoo_panoptes.framework.metrics.PanoptesMetric is panoptes.PanoptesMetric
assert issubclass(PanoptesPollingPluginConfigurationError, PanoptesPluginConfigurationError)
)");
}

}  // namespace
}  // namespace panoptes::testing
