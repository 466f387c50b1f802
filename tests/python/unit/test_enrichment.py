# Enrichment types (JSON forms, serialize, metadata), the schema modules and the enrichment cache.
import json
import unittest

from yahoo_panoptes.framework.enrichment import (PanoptesEnrichmentSet, PanoptesEnrichmentGroup,
                                                 PanoptesEnrichmentGroupSet, PanoptesEnrichmentMultiGroupSet,
                                                 PanoptesEnrichmentSchemaValidator, PanoptesEnrichmentCache,
                                                 PanoptesEnrichmentCacheError, PanoptesEnrichmentEncoder,
                                                 PanoptesEnrichmentCacheKeyValueStore)
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.utilities.helpers import ordered
from yahoo_panoptes.enrichment.schema import heartbeat, interface, neighbor, neighbor_lookup, operational, topology
from yahoo_panoptes.enrichment.schema.generic import snmp


class AnyDict(PanoptesEnrichmentSchemaValidator):
    schema = {'enrichment_label': {'type': 'dict'}}


def resource(id_='r1'):
    return PanoptesResource('dc1', 'network', 'switch', 'acme', id_, id_ + '.example.com', resource_plugin='p')


def group(namespace='interface', **sets):
    g = PanoptesEnrichmentGroup(namespace, AnyDict(), 300, 60)
    for key, value in sets.items():
        g.add_enrichment_set(PanoptesEnrichmentSet(key, value))
    return g


class EnrichmentJsonTest(unittest.TestCase):
    def test_set_json_is_a_method_with_sorted_keys(self):
        s = PanoptesEnrichmentSet('int_001', {'speed': 1000, 'index': 1, 'status': 'up'})
        self.assertEqual(s.json(), '{"int_001": {"index": 1, "speed": 1000, "status": "up"}}')

    def test_group_json_and_serialize(self):
        g = group(int_001={'speed': 1000}, int_002={'speed': 10})
        g.upsert_metadata('source', 'snmp')
        j = json.loads(g.json())
        self.assertEqual(j['namespace'], 'interface')
        self.assertEqual(ordered(j['data']), ordered([{'int_001': {'speed': 1000}}, {'int_002': {'speed': 10}}]))
        self.assertEqual(j['metadata']['source'], 'snmp')
        stored = json.loads(g.serialize())
        self.assertEqual(stored['data'], {'int_001': {'speed': 1000}, 'int_002': {'speed': 10}})
        self.assertEqual(set(stored['metadata']), {'_enrichment_group_creation_timestamp', '_enrichment_ttl',
                                                   '_execute_frequency', 'source'})
        self.assertEqual(json.loads(g.serialize_data()), stored['data'])

    def test_serialize_encodes_bytes_as_the_original(self):
        g = group(int_001={'mac': b'ab\xffc', 'list': [b'x']})
        self.assertEqual(json.loads(g.serialize())['data']['int_001'], {'mac': 'abc__decoded',
                                                                        'list': ['x__decoded']})

    def test_group_set_and_multi_group_set_json(self):
        gs = PanoptesEnrichmentGroupSet(resource())
        gs.add_enrichment_group(group(int_001={'speed': 1}))
        j = json.loads(gs.json())
        self.assertEqual(j['resource']['resource_id'], 'r1')
        self.assertEqual(j['enrichment'][0]['namespace'], 'interface')
        self.assertIn('enrichment_group_set_creation_timestamp', j)
        m = PanoptesEnrichmentMultiGroupSet()
        m.add_enrichment_group_set(gs)
        self.assertEqual(json.loads(m.json())['group_sets'][0]['resource']['resource_id'], 'r1')
        self.assertEqual(json.loads(json.dumps(gs.enrichment, cls=PanoptesEnrichmentEncoder)), j['enrichment'])

    def test_upsert_metadata_refuses_reserved_and_bad_values(self):
        g = group(a={'x': 1})
        with self.assertRaises(ValueError):
            g.upsert_metadata('_enrichment_ttl', 5)
        with self.assertRaises(AssertionError):
            g.upsert_metadata('k', None)
        with self.assertRaises(AssertionError):
            g.upsert_metadata('', 'v')
        g.upsert_metadata('k', 1.5)
        self.assertEqual(g.metadata['k'], 1.5)

    def test_sets_order_by_their_values_as_the_original(self):
        a = PanoptesEnrichmentSet('z', {'k': 'a'})
        b = PanoptesEnrichmentSet('a', {'k': 'b'})
        self.assertLess(a, b)
        self.assertEqual(sorted([b, a]), [a, b])


class SchemaModulesTest(unittest.TestCase):
    GROUPS = [heartbeat.PanoptesHeartbeatEnrichmentGroup, interface.PanoptesInterfaceEnrichmentGroup,
              neighbor.PanoptesNeighborEnrichmentGroup, operational.PanoptesOperationalEnrichmentGroup,
              topology.PanoptesTopologyEnrichmentGroup, snmp.PanoptesGenericSNMPMetricsEnrichmentGroup,
              neighbor_lookup.PanoptesBridgeLookupEnrichmentGroup,
              neighbor_lookup.PanoptesInverseInterfaceLookupEnrichmentGroup,
              neighbor_lookup.PanoptesL3InterfaceLookupEnrichmentGroup,
              neighbor_lookup.PanoptesInterfaceLookupEnrichmentGroup,
              neighbor_lookup.PanoptesDeviceLookupEnrichmentGroup]
    GOOD = {'string': 'text', 'integer': 1, 'dict': {}, 'list': [], 'float': 1.5}
    BAD = {'string': 1, 'integer': 'text', 'dict': 1, 'list': {}, 'float': 'text'}

    def test_namespaces(self):
        names = [g(60, 60).namespace for g in self.GROUPS]
        self.assertEqual(names, ['heartbeat_ns', 'interface', 'neighbor', 'operational', 'topology', 'metrics',
                                 'bridge_lookup', 'inverse_interface_lookup', 'l3_interface_lookup',
                                 'interface_lookup', 'device_lookup'])

    def test_each_field_is_checked_for_its_type_and_required_fields_are_required(self):
        for cls in self.GROUPS:
            g = cls(60, 60)
            fields = g.enrichment_schema['enrichment_label']['schema']
            value = {name: self.GOOD[rule['type']] for name, rule in fields.items()}
            if cls is snmp.PanoptesGenericSNMPMetricsEnrichmentGroup:
                value['metrics_groups'] = [{'group_name': 'cpu', 'metrics': {}}]
            self.assertTrue(g.validator.validate(PanoptesEnrichmentSet('x', dict(value))), cls.__name__)
            for name, rule in fields.items():
                bad = dict(value)
                bad[name] = self.BAD[rule['type']]
                self.assertFalse(g.validator.validate(PanoptesEnrichmentSet('x', bad)), (cls.__name__, name))
                missing = dict(value)
                del missing[name]
                self.assertEqual(g.validator.validate(PanoptesEnrichmentSet('x', missing)),
                                 not rule.get('required', False), (cls.__name__, name))

    def test_interface_set_into_a_group_set(self):
        g = interface.PanoptesInterfaceEnrichmentGroup(enrichment_ttl=300, execute_frequency=60)
        fields = g.enrichment_schema['enrichment_label']['schema']
        value = {n: self.GOOD[r['type']] for n, r in fields.items() if r['required']}
        g.add_enrichment_set(PanoptesEnrichmentSet('eth0', value))
        with self.assertRaises(AssertionError):
            g.add_enrichment_set(PanoptesEnrichmentSet('eth1', {'description': 'x'}))
        self.assertEqual(len(g), 1)

    def test_generic_snmp_groups_are_checked_inside(self):
        g = snmp.PanoptesGenericSNMPMetricsEnrichmentGroup(300, 60)
        ok = {'oids': {}, 'metrics_groups': [{'group_name': 'cpu', 'dimensions': {}, 'metrics': {}}]}
        self.assertTrue(g.validator.validate(PanoptesEnrichmentSet('d', ok)))
        bad = {'oids': {}, 'metrics_groups': [{'dimensions': {}, 'metrics': {}}]}
        self.assertFalse(g.validator.validate(PanoptesEnrichmentSet('d', bad)))


class EnrichmentCacheTest(unittest.TestCase):
    STORE = {('r1', 'interface'): {'eth0': {'speed': 10}, 'eth1': {'speed': 20}},
             ('r2', 'neighbor'): {'n': {'x': 1}}}

    def fetch(self, resource_id, namespace):
        self.fetches.append((resource_id, namespace))
        return self.STORE.get((resource_id, namespace))

    def setUp(self):
        self.fetches = []

    def test_preloaded_and_on_demand_lookups(self):
        cache = PanoptesEnrichmentCache('r1', [(None, 'interface'), ('r2', 'neighbor')], self.fetch, 'P')
        self.assertEqual(self.fetches, [('r1', 'interface'), ('r2', 'neighbor')])
        self.assertEqual(cache.get_enrichment('self', 'interface'), self.STORE[('r1', 'interface')])
        self.assertEqual(cache.get_enrichment_value('r2', 'neighbor', 'n'), {'x': 1})
        self.assertEqual(sorted(cache.get_enrichment_keys('r1', 'interface')), ['eth0', 'eth1'])
        self.assertEqual(len(self.fetches), 2)  # all from the preload

    def test_missing_data_raises_the_cache_error(self):
        cache = PanoptesEnrichmentCache('r1', [(None, 'missing')], self.fetch, 'P')
        with self.assertRaises(PanoptesEnrichmentCacheError):
            cache.get_enrichment('self', 'missing')
        with self.assertRaises(PanoptesEnrichmentCacheError):
            cache.get_enrichment_value('self', 'interface', 'eth9')
        with self.assertRaises(AssertionError):
            cache.get_enrichment('', 'interface')
        with self.assertRaises(AssertionError):
            cache.get_enrichment_keys('self', None)

    def test_key_value_store_reads_stored_groups_through_a_context(self):
        cache = PanoptesEnrichmentCache('r1', [], self.fetch, 'P')

        class Context(object):
            enrichment = cache
        kv = PanoptesEnrichmentCacheKeyValueStore(Context())
        self.assertEqual(json.loads(kv.get('r1:interface')), {'data': self.STORE[('r1', 'interface')]})
        self.assertIsNone(kv.get('r9:interface'))


if __name__ == '__main__':
    unittest.main()
