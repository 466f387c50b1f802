# framework.utilities.helpers, framework.const and the metrics types' JSON forms.
import json
import os
import socket
import sys
import unittest

from yahoo_panoptes.framework import const
from yahoo_panoptes.framework.utilities.helpers import *  # noqa: F401,F403 (as the original's plugins do)
from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricType, PanoptesMetricDimension,
                                              PanoptesMetricsGroup, PanoptesMetricsGroupSet)
from yahoo_panoptes.framework.resources import PanoptesResource


class HelpersTest(unittest.TestCase):
    def test_normalize_plugin_name(self):
        for name, normalized in [('Test Plugin Name', 'Test_Plugin_Name'), ('Test/Plugin.Name', 'Test_Plugin_Name'),
                                 ('Test_Plugin.Name', 'Test__Plugin_Name'), ('Test!_Plugin.Name', 'Test___Plugin_Name'),
                                 ('Test.Plugin!#Name', 'Test_Plugin__Name')]:
            self.assertEqual(normalize_plugin_name(name), normalized)
        for bad in (None, 1, ''):
            with self.assertRaises(AssertionError):
                normalize_plugin_name(bad)

    def test_module_mtime(self):
        self.assertGreater(get_module_mtime('.'), 0)
        self.assertGreater(get_module_mtime(os.path.splitext(os.path.abspath(__file__))[0]), 0)
        self.assertEqual(get_module_mtime('/none/existent/module/path'), 0)
        with self.assertRaises(AssertionError):
            get_module_mtime(None)

    def test_names_and_addresses(self):
        self.assertEqual(resolve_hostnames(['localhost'], 1), [('localhost', '127.0.0.1')])
        self.assertEqual(resolve_hostnames(['non.existent.host.invalid'], 2), [('non.existent.host.invalid', None)])
        with self.assertRaises(AssertionError):
            resolve_hostnames(None, 1)
        with self.assertRaises(AssertionError):
            resolve_hostnames(['localhost'], '1')
        self.assertEqual(get_hostnames(['127.0.0.1'], 2), {'127.0.0.1': socket.gethostbyaddr('127.0.0.1')[0]})
        with self.assertRaises(AssertionError):
            get_hostnames('127.0.0.1', 5)
        with self.assertRaises(AssertionError):
            get_hostnames(['127.0.0.1'], 0)
        self.assertEqual(unknown_hostname('255.255.255.255'), 'unknown-255-255-255-255')
        self.assertEqual(unknown_hostname('fe80::1'), 'unknown-fe80--1')
        for ip, version in [('255.255.255.255', 4), ('192.168.1.1', 4), ('::', 6), ('2001:db8::', 6),
                            ('2001:db8:3333:4444:CCCC:DDDD:EEEE:FFFF', 6)]:
            self.assertEqual(get_ip_version(ip), version)
        for bad in ('', ':', '255.255.255.255.255'):
            with self.assertRaises(ValueError):
                get_ip_version(bad)
        self.assertIsInstance(get_hostname(), str)
        self.assertGreater(get_os_tid(), 0)
        self.assertIn('_prefix_', get_client_id('prefix'))

    def test_calling_module(self):
        self.assertTrue(get_calling_module_name(1).endswith('test_helpers_and_metrics'))
        with self.assertRaises(AssertionError):
            get_calling_module_name('1')
        self.assertTrue(inspect_calling_module_for_name('test_helpers_and_metrics'))

    def test_conversions(self):
        kv = 'metro|WA State|region|Western US|latitude|47.615'
        self.assertEqual(convert_kv_str_to_dict(kv=kv, prefix='geo'),
                         {'geo_metro': 'WA State', 'geo_region': 'Western US', 'geo_latitude': '47.615'})
        self.assertEqual(convert_kv_str_to_dict('a|b|c', 'p'), {})
        with self.assertRaises(AssertionError):
            convert_kv_str_to_dict(kv='k|v', prefix='p', kv_delimiter=None)
        self.assertEqual([convert_celsius_to_fahrenheit(c) for c in (0, 100, -100, 36.6)], [32, 212, -148, 97.88])
        self.assertEqual(transform_index_ipv6_address('32.1.73.152.0.88.206.3.0.0.0.0.0.0.0.1'), '2001:4998:58:ce03::1')
        self.assertEqual(transform_index_ipv6_address('254.128.0.0.0.0.0.0.0.5.115.255.254.160.0.3'),
                         'fe80::5:73ff:fea0:3')
        self.assertEqual(transform_octet_to_mac('\xe4\xc7"\xdbJ\x08'), 'E4:C7:22:DB:4A:08')
        self.assertEqual(transform_octet_to_mac(b'\xe4\xc7"\xdbJ\t'), 'E4:C7:22:DB:4A:09')
        self.assertEqual(transform_dotted_decimal_to_mac('126.2.196.127.168.46.531'), '7E:02:C4:7F:A8:2E:213')
        self.assertEqual([convert_netmask_to_cidr(m) for m in ('0.0.0.0', '255.0.0.0', '255.255.255.0')], [0, 8, 24])
        self.assertEqual(ordered({'b': [2, 1], 'a': 1}), [('a', 1), ('b', [1, 2])])

    def test_capture(self):
        with CaptureStdErr() as err:
            sys.stderr.write('to stderr\nsecond')
        with CaptureStdOut() as out:
            sys.stdout.write('to stdout')
        self.assertEqual(err, ['to stderr', 'second'])
        self.assertEqual(out, ['to stdout'])

    def test_parse_config_file(self):
        from panoptes_testing import TempTree
        with TempTree({'spec.ini': '[main]\nport = integer(min=1)\n', 'good.ini': '[main]\nport = 5\n',
                       'bad.ini': '[main]\nport = x\n'}) as tree:
            self.assertEqual(parse_config_file(tree.path('good.ini'), tree.path('spec.ini'))['main']['port'], 5)
            with self.assertRaises(PanoptesConfigurationParsingError):
                parse_config_file(tree.path('bad.ini'), tree.path('spec.ini'))
            with self.assertRaises(PanoptesConfigurationParsingError):
                parse_config_file('/bad/path', tree.path('spec.ini'))

    def test_const(self):
        self.assertEqual(const.KV_STORE_DELIMITER, '|')
        self.assertEqual(const.KV_NAMESPACE_DELIMITER, ':')
        self.assertEqual(const.MELTING_POINT_STEEL, 1371)
        self.assertEqual(const.RESOURCE_MANAGER_RESOURCE_EXPIRE, 604800)


class MetricsJsonTest(unittest.TestCase):
    def setUp(self):
        self.resource = PanoptesResource('dc1', 'c', 's', 't', 'i', 'e', resource_plugin='p',
                                         resource_creation_timestamp=1.5)

    def test_metric_and_dimension_json(self):
        m = PanoptesMetric('test_metric', 0, PanoptesMetricType.GAUGE, 1538082314.09)
        self.assertEqual(json.loads(m.json), {'metric_creation_timestamp': 1538082314.09, 'metric_name': 'test_metric',
                                              'metric_type': 'gauge', 'metric_value': 0})
        self.assertEqual(list(json.loads(m.json)), sorted(json.loads(m.json)))
        self.assertEqual(json.loads(PanoptesMetricDimension('if_alias', 'bar').json),
                         {'dimension_name': 'if_alias', 'dimension_value': 'bar'})

    def test_group_and_group_set_json(self):
        g = PanoptesMetricsGroup(self.resource, 'interface', 60, creation_timestamp=2.5)
        g.add_metric(PanoptesMetric('in', 5, PanoptesMetricType.COUNTER, 3.0))
        g.add_dimension(PanoptesMetricDimension('name', 'eth0'))
        j = json.loads(g.json)
        self.assertEqual(j, {'metrics_group_type': 'interface', 'metrics_group_interval': 60,
                             'metrics_group_creation_timestamp': 2.5, 'metrics_group_schema_version': '0.2',
                             'resource': self.resource.raw,
                             'metrics': [{'metric_creation_timestamp': 3.0, 'metric_name': 'in',
                                          'metric_type': 'counter', 'metric_value': 5}],
                             'dimensions': [{'dimension_name': 'name', 'dimension_value': 'eth0'}]})
        s = PanoptesMetricsGroupSet()
        s.add(g)
        self.assertEqual(json.loads(s.json), [j])
        self.assertIs(next(s), g)


if __name__ == '__main__':
    unittest.main()
