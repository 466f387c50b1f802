# PanoptesResource and PanoptesResourceSet: JSON forms and resource_from_dict as the original.
import json
import time
import unittest

from yahoo_panoptes.framework.resources import PanoptesResource, PanoptesResourceSet

FIELDS = ['resource_site', 'resource_class', 'resource_subclass', 'resource_type', 'resource_id',
          'resource_endpoint', 'resource_metadata', 'resource_creation_timestamp', 'resource_plugin']


def resource(**kwargs):
    args = dict(resource_site='dc1', resource_class='network', resource_subclass='switch', resource_type='acme',
                resource_id='sw1', resource_endpoint='sw1.example.com', resource_plugin='p',
                resource_creation_timestamp=1700000000.5)
    args.update(kwargs)
    return PanoptesResource(**args)


class ResourceTest(unittest.TestCase):
    def test_json_has_the_raw_fields_in_order(self):
        r = resource()
        r.add_metadata('os', 'linux')
        self.assertEqual(list(json.loads(r.json).keys()), FIELDS)
        self.assertEqual(json.loads(r.json), {
            'resource_site': 'dc1', 'resource_class': 'network', 'resource_subclass': 'switch',
            'resource_type': 'acme', 'resource_id': 'sw1', 'resource_endpoint': 'sw1.example.com',
            'resource_metadata': {'_resource_ttl': '604800', 'os': 'linux'},
            'resource_creation_timestamp': 1700000000.5, 'resource_plugin': 'p'})

    def test_from_dict_round_trips_and_keeps_a_null_plugin(self):
        r = resource(resource_plugin=None, resource_ttl=60)
        r.add_metadata('os', 'linux')
        back = PanoptesResource.resource_from_dict(json.loads(r.json))
        self.assertEqual(back, r)
        self.assertIsNone(back.resource_plugin)
        self.assertEqual(back.resource_ttl, '60')
        self.assertEqual(back.resource_metadata, {'_resource_ttl': '60', 'os': 'linux'})
        self.assertEqual(back.resource_creation_timestamp, 1700000000.5)
        self.assertIsNone(json.loads(back.json)['resource_plugin'])

    def test_from_dict_rejects_what_the_original_rejects(self):
        good = json.loads(resource().json)
        for missing in FIELDS:
            d = dict(good)
            del d[missing]
            with self.assertRaises(KeyError, msg=missing):
                PanoptesResource.resource_from_dict(d)
        with self.assertRaises(AssertionError):
            PanoptesResource.resource_from_dict('not a dict')
        for field, value, error in [('resource_id', '', AssertionError), ('resource_site', 5, AssertionError),
                                    ('resource_plugin', '', AssertionError),
                                    ('resource_metadata', {'_resource_ttl': 'soon'}, ValueError),
                                    ('resource_metadata', {'_resource_ttl': '0'}, AssertionError),
                                    ('resource_metadata', {'1bad': 'v'}, ValueError),
                                    ('resource_metadata', {'k': 'a|b'}, ValueError),
                                    ('resource_metadata', {'k': 5}, AssertionError),
                                    ('resource_metadata', None, AttributeError)]:
            d = dict(good)
            d[field] = value
            with self.assertRaises(error, msg='%s=%r' % (field, value)):
                PanoptesResource.resource_from_dict(d)

    def test_from_dict_without_a_timestamp_value_takes_now(self):
        d = json.loads(resource().json)
        d['resource_creation_timestamp'] = None
        self.assertAlmostEqual(PanoptesResource.resource_from_dict(d).resource_creation_timestamp, time.time(),
                               delta=60)


class ResourceSetTest(unittest.TestCase):
    def test_json_holds_resources_timestamp_and_version(self):
        s = PanoptesResourceSet()
        s.add(resource())
        s.add(resource(resource_id='sw2'))
        j = json.loads(s.json)
        self.assertEqual(sorted(j.keys()), ['resource_set_creation_timestamp', 'resource_set_schema_version',
                                            'resources'])
        self.assertEqual(j['resource_set_schema_version'], '0.1')
        self.assertEqual(sorted(r['resource_id'] for r in j['resources']), ['sw1', 'sw2'])
        self.assertEqual(j['resource_set_creation_timestamp'], s.resource_set_creation_timestamp)

    def test_creation_timestamp_setter_validates_like_the_original(self):
        s = PanoptesResourceSet()
        now = time.time()
        s.resource_set_creation_timestamp = now
        self.assertEqual(s.resource_set_creation_timestamp, now)
        for bad in ('now', now - 8 * 86400, now + 3600, None):
            with self.assertRaises(AssertionError):
                s.resource_set_creation_timestamp = bad

    def test_iteration_and_next(self):
        s = PanoptesResourceSet()
        r = resource()
        s.add(r)
        self.assertIs(next(s), r)
        self.assertEqual(list(s), [r])
        self.assertEqual(s.get_resources_by_site(), {'dc1': [r]})


if __name__ == '__main__':
    unittest.main()
