# The original Panoptes' own SNMP plugins, unchanged, against the recordings of its own tests and
# compared with the results those tests expect. Optional: runs only when PANOPTES_ORIGINAL_TREE
# names a checkout of the original (github.com/yahoo/panoptes); its yahoo_panoptes/plugins tree
# is put on the open yahoo_panoptes namespace for the run, its recordings are served by snmpsimd.
# Nothing of the original is part of this repository.
import contextlib
import json
import logging
import os
import sys
import unittest
from unittest import mock

from original_plugin_cases import cases
from snmp_simulator import SnmpSim

ORIGINAL = os.environ.get('PANOPTES_ORIGINAL_TREE', '')
MOCK_TIME = 1512629517.03121  # the time the original's tests freeze
SKIP = 'set PANOPTES_ORIGINAL_TREE to a checkout of the original Panoptes to run its SNMP plugins'


@contextlib.contextmanager
def _cwd(path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def ordered(value):
    """A canonical form for comparing JSON documents regardless of list order."""
    if isinstance(value, dict):
        return sorted((k, ordered(v)) for k, v in value.items())
    if isinstance(value, list):
        return sorted((ordered(v) for v in value), key=repr)
    return value


def enrichment_document(result):
    if callable(getattr(result, 'json', None)):
        return json.loads(result.json())
    raise unittest.SkipTest('the result types have no .json() yet')


class Secrets(object):
    def __init__(self, community):
        self.community = community

    def get_by_site(self, name, site):
        return self.community


def metrics_documents(results):
    """The metrics groups of a polling result without their timestamps, as the original's tests."""
    groups = []
    for group in results.metrics_groups:
        text = group.json() if callable(group.json) else group.json
        doc = json.loads(text)
        doc['resource'].pop('resource_creation_timestamp', None)
        doc.pop('metrics_group_creation_timestamp', None)
        for metric in doc['metrics']:
            metric.pop('metric_creation_timestamp', None)
        groups.append(doc)
    return groups


def enrichment_cache(case):
    """context.enrichment filled from the case's enrichment data file (lines `<id>:<namespace>=>JSON`)."""
    from yahoo_panoptes.framework.enrichment import PanoptesEnrichmentCache
    # As the original's test framework: a cache only when the plugin configuration preloads one;
    # otherwise the plugin reads its own enrichment file (and refuses both at once).
    if not (case.attrs['plugin_conf'].get('enrichment') or {}).get('preload'):
        return None
    stored = {}
    path = os.path.join(case.data_dir, case.attrs['enrichment_data_file'])
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if '=>' in line:
                    key, value = line.strip().split('=>', 1)
                    stored[key] = value

    def fetch(resource_id, namespace):
        text = stored.get('{}:{}'.format(resource_id, namespace))
        return json.loads(text)['data'] if text else None

    return PanoptesEnrichmentCache(case.attrs['resource_id'], [], fetch, case.name)


def make_context(case, port, enrichment=None):
    from yahoo_panoptes.framework.plugins.context import PanoptesPluginWithEnrichmentContext
    from yahoo_panoptes.framework.resources import PanoptesResource
    from yahoo_panoptes.framework.utilities.snmp.connection import SNMP_DEFAULTS, X509_DEFAULTS
    a = case.attrs
    resource = PanoptesResource(resource_site=a['resource_site'], resource_class=a['resource_class'],
                                resource_subclass=a['resource_subclass'], resource_type=a['resource_type'],
                                resource_id=a['resource_id'], resource_endpoint=a['resource_endpoint'],
                                resource_plugin=a['resource_plugin'])
    resource.resource_metadata['model'] = a['resource_model']
    resource.resource_metadata.update(a['metadata_overrides'])
    if a['resource_backplane']:
        resource.add_metadata('backplane', a['resource_backplane'])
    # The original's tests use their site config's [snmp] (port 10161 for the simulator); here the
    # simulator's port.
    return PanoptesPluginWithEnrichmentContext(
        logger=logging.getLogger('original.' + case.name), config=a['plugin_conf'], data=resource, kv=None,
        enrichment=enrichment,
        secrets=Secrets(a['snmp_community']), sites=[a['resource_site']], snmp=dict(SNMP_DEFAULTS, port=port),
        x509=dict(X509_DEFAULTS))


@unittest.skipUnless(ORIGINAL, SKIP)
class TestOriginalSnmpPlugins(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        root = ORIGINAL
        if root not in sys.path:
            sys.path.append(root)  # its yahoo_panoptes/plugins joins the open namespace
        cls.cases = cases(os.path.join(root, 'tests'))

    def test_each_enrichment_plugin_gives_the_expected_results(self):
        self.run_kind('enrichment', 10)

    def test_each_polling_plugin_gives_the_expected_results(self):
        self.run_kind('polling', 10)

    def run_kind(self, kind, at_least):
        chosen = [c for c in self.cases if c.kind == kind]
        self.assertGreater(len(chosen), at_least)
        report = []
        for data_dir in sorted({c.data_dir for c in chosen}):
            with SnmpSim(os.path.join(data_dir, 'recording')) as sim:
                for case in [c for c in chosen if c.data_dir == data_dir]:
                    report.append((case, self.run_case(case, sim.port)))
        sys.stderr.write(''.join('{}: {}\n'.format(c, outcome) for c, outcome in report))
        sys.stderr.write('modules not from the embedded tree: {}\n'.format(sorted(
            name for name, m in sys.modules.items() if name.startswith('yahoo_panoptes.') and
            not str(getattr(getattr(m, '__spec__', None), 'origin', '') or '').startswith('<embedded>')
            and not name.startswith('yahoo_panoptes.plugins'))))
        self.assertEqual([str(c) for c, outcome in report if outcome != 'matches'], [])

    def run_case(self, case, port):
        try:
            module = __import__(case.module, fromlist=[case.cls])
            # Relative paths in the plugin configurations (an enrichment file) are from the original's root.
            with mock.patch('time.time', return_value=MOCK_TIME), contextlib.redirect_stdout(sys.stderr), \
                    _cwd(ORIGINAL):
                if case.kind == 'polling':
                    context = make_context(case, port, enrichment_cache(case))
                    got = metrics_documents(getattr(module, case.cls)().run(context))
                else:
                    got = enrichment_document(getattr(module, case.cls)().run(make_context(case, port)))
            with open(os.path.join(case.data_dir, case.attrs['results_data_file'])) as f:
                expected = json.load(f)
        except unittest.SkipTest:
            raise
        except Exception as e:
            return 'error {!r}'.format(e)
        return 'matches' if ordered(got) == ordered(expected) else 'differs: ' + difference(got, expected)


def difference(got, expected):
    """The first items only one side has, short enough for a report line."""
    if not isinstance(got, list) or not isinstance(expected, list):
        return 'got {:.300} expected {:.300}'.format(json.dumps(got), json.dumps(expected))
    mine = {json.dumps(ordered(g)) for g in got}
    theirs = {json.dumps(ordered(e)) for e in expected}
    return '{} groups, {} expected; only ours: {:.400}; only expected: {:.400}'.format(
        len(got), len(expected), str(sorted(mine - theirs)[:1]), str(sorted(theirs - mine)[:1]))


if __name__ == '__main__':
    unittest.main()
