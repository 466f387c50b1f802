# The original Panoptes' own plugins, unchanged, through panoptes-scheduler and panoptes-agent:
# its JSON-file discovery plugin finds the resources of three of its test cases, the scheduler
# schedules its interface enrichment (Juniper), its interface polling and its generic SNMP device
# metrics polling (Juniper MX960) for them, the agent runs them against the recordings of those
# tests (snmpsimd), and the stored enrichment and the metrics groups on the stream are compared
# with the results the tests expect. The polling cases' enrichment is stored in Redis beforehand,
# in the original's stored form, from the tests' own enrichment data files. Optional: runs only
# when PANOPTES_ORIGINAL_TREE names a checkout of the original; nothing of it is copied here.
import json
import os
import shutil
import sys
import time
import unittest

from daemons import Daemons, wait_until
from original_plugin_cases import cases
from original_runs import (compare_enrichment, expected_results, ordered, plugin_file_text, resource_document,
                           stored_enrichment, without_times)
from panoptes_testing import TempTree
from snmp_simulator import SnmpSim

ORIGINAL = os.environ.get('PANOPTES_ORIGINAL_TREE', '')
SKIP = 'set PANOPTES_ORIGINAL_TREE to a checkout of the original Panoptes to run its plugins through the daemons'

# (test case, plugin Name). The names are ours: the scheduler tells entries apart by name (the
# cases all say "Test Plugin"); the plugins do not read it. A new entry first falls due after a
# splay of up to min(execute_frequency, 60) s, a hash of its name and resource (docs/scheduler.md);
# these names have splays under a second, so the test takes seconds rather than a minute. Any
# other name works the same, only slower.
ENRICHMENT = ('TestJuniperInterfaceEnrichmentPlugin', 'Original Juniper Interface Enrichment 39')
POLLING = [('TestPluginPollingDeviceInterfaceMetricsDimensionConfExcluded', 'Original Device Interface Metrics 111'),
           ('TestMX960DeviceMetrics', 'Original Generic SNMP MX960 73')]
WAIT = 150  # s: the splay of an entry of execute_frequency 60 is under 60 s, whatever its name


def discovery_plugin(tree, resources):
    """The original's JSON-file discovery plugin on a file of `resources`, every 5 s."""
    path = tree.write('resources.json', json.dumps(resources))
    module = os.path.join(ORIGINAL, 'yahoo_panoptes', 'plugins', 'discovery', 'plugin_discovery_from_json_file')
    return ('[Core]\nName = Original JSON Discovery\nModule = {}\n\n[Documentation]\nDescription = d\n\n'
            '[main]\nexecute_frequency = 5\nresource_ttl = 3600\nconfig_file = {}\n').format(module, path)


@unittest.skipUnless(ORIGINAL, SKIP)
class TestOriginalPluginsThroughTheDaemons(unittest.TestCase):
    def setUp(self):
        self.by_name = {c.name: c for c in cases(os.path.join(ORIGINAL, 'tests'))}
        self.enrichment = self.by_name[ENRICHMENT[0]]
        self.polling = [self.by_name[p[0]] for p in POLLING]
        self.tree = TempTree()
        self.daemons = Daemons(self.tree)
        self.sim = None

    def tearDown(self):
        self.daemons.stop()
        if self.sim:
            self.sim.stop()
        self.tree.__exit__(None, None, None)

    def recordings(self):
        """One snmpsimd data directory for the three cases, served on the site's [snmp] port: the
        original's SNMP connection factory takes port and community key from the site's [snmp]
        alone, so each site has one community. The enrichment case (site dc1) gets its recording
        as community "dc1/<its community>"; the two polling cases share a resource (site
        test_site) and so a community, "test_site/device": their recordings (disjoint OIDs: IF-MIB
        and EtherLike-MIB, Juniper's enterprise tree) merged into one, in OID order."""
        communities = {}
        enrichment = self.enrichment
        site = enrichment.attrs['resource_site']
        shutil.copy(os.path.join(enrichment.data_dir, 'recording', enrichment.attrs['snmp_community'] + '.snmprec'),
                    self.tree.write('data/{}/{}.snmprec'.format(site, enrichment.attrs['snmp_community']), ''))
        communities[site] = '{}/{}'.format(site, enrichment.attrs['snmp_community'])
        lines = {}
        for case in self.polling:
            with open(os.path.join(case.data_dir, 'recording', case.attrs['snmp_community'] + '.snmprec')) as f:
                for line in f:
                    if line.strip():
                        oid = line.split('|', 1)[0]
                        self.assertNotIn(oid, lines, 'the polling recordings overlap')
                        lines[oid] = line if line.endswith('\n') else line + '\n'
        site = self.polling[0].attrs['resource_site']
        self.tree.write('data/{}/device.snmprec'.format(site), ''.join(
            lines[oid] for oid in sorted(lines, key=lambda o: tuple(int(p) for p in o.split('.')))))
        communities[site] = '{}/device'.format(site)
        return self.tree.path('data'), communities

    def write_plugins(self):
        """The plugin files (each case's own configuration) and the resources to discover."""
        resources = {}
        for kind, (name, plugin) in [('enrichment', ENRICHMENT)] + [('polling', p) for p in POLLING]:
            case = self.by_name[name]
            self.tree.write('{}/{}.panoptes-plugin'.format(kind, case.name), plugin_file_text(
                ORIGINAL, case, name=plugin, resource_filter='resource_id = "{}"'.format(case.attrs['resource_id'])))
            doc = resource_document(case)
            doc['resource_creation_timestamp'] = time.time()
            resources[doc['resource_id']] = doc
        self.tree.write('discovery/json.panoptes-plugin', discovery_plugin(self.tree, sorted(
            resources.values(), key=lambda r: r['resource_id'])))
        return sorted({r['resource_site'] for r in resources.values()})

    def site_config(self, sites, snmp_port):
        kinds = ''.join('[{0}]\nplugins_paths = {1}\n\n'.format(k, self.tree.path(k))
                        for k in ('discovery', 'enrichment', 'polling'))
        return self.tree.write('panoptes.ini', (
            '[main]\nsites = {}\n\n[redis]\nport = {}\n\n{}[python]\npath = {}\n\n[scheduler]\nleader_ttl_ms = 1000\n\n'
            '[agent]\nheartbeat_interval_ms = 200\nshutdown_grace_s = 5\n\n'
            '[http]\nscheduler_listen = 127.0.0.1:0\nagent_listen = 127.0.0.1:0\n\n[snmp]\nport = {}\n').format(
                ', '.join(sites), self.daemons.redis_port, kinds, ORIGINAL, snmp_port))

    def start(self):
        """snmpsimd, redis-server with the communities and the polling cases' enrichment, then the
        scheduler and the agent. Returns the Redis client and a function giving the runs and logs."""
        data, communities = self.recordings()
        self.sim = SnmpSim(data)
        port = self.sim.start()
        client = self.daemons.start_redis()
        sites = self.write_plugins()
        for site, community in communities.items():
            client.set('panoptes:secrets:snmp_community_string:' + site, community)
        for case in self.polling:
            for key, text in stored_enrichment(case).items():
                client.set('panoptes:enrichment:' + key, text)
        config = self.site_config(sites, port)
        self.daemons.start('panoptes-scheduler', config)
        self.daemons.start('panoptes-agent', config, '--workers', '1')

        def logs():
            runs = ''.join('\n{}: {} {:.1500}'.format(key, *[client.hget(key, f) for f in ('last_status', 'last_error')])
                           for key in sorted(client.keys('panoptes:meta:*')))
            return '\n--- runs (P:meta):' + runs + self.daemons.logs()
        return client, logs

    def test_discovery_enrichment_and_polling_give_the_expected_results(self):
        start = time.monotonic()
        client, logs = self.start()
        # Enrichment: the stored group of router1 against the case's expected enrichment.
        stored = wait_until(lambda: client.get('panoptes:enrichment:router1:interface'), WAIT,
                            'the scheduled interface enrichment of router1 is stored', logs)
        group = dict(json.loads(stored), resource_id='router1', namespace='interface')
        self.assertEqual(compare_enrichment([group], expected_results(self.enrichment)), 'matches')
        sys.stderr.write('enrichment stored after {:.1f} s\n'.format(time.monotonic() - start))
        self.assert_polling_results(client, logs)
        sys.stderr.write('metrics on the stream after {:.1f} s\n'.format(time.monotonic() - start))

    def assert_polling_results(self, client, logs):
        """Every expected group of both polling cases on the stream of their site, nothing else
        (runs repeat identical groups: the recordings do not change)."""
        wanted = {}
        for case in self.polling:
            groups = without_times(expected_results(case))
            self.assertGreater(len(groups), 1, case.name)
            wanted.update((json.dumps(ordered(g)), case.name) for g in groups)
        stream = 'panoptes:metrics:' + self.polling[0].attrs['resource_site']

        def on_stream():
            return {json.dumps(ordered(g))
                    for g in without_times(json.loads(e['data']) for _, e in client.xrange(stream))}
        got = wait_until(lambda: (lambda s: s if set(wanted) <= s else None)(on_stream()), WAIT,
                         'the metrics groups of both polling cases are on ' + stream,
                         lambda: '\nmissing: {:.1000}\nunexpected: {:.1000}{}'.format(
                             str(sorted(set(wanted) - on_stream())[:1]), str(sorted(on_stream() - set(wanted))[:1]),
                             logs()))
        self.assertEqual(sorted(got - set(wanted)), [], 'groups on the stream that neither case expects')


if __name__ == '__main__':
    unittest.main()
