# framework.plugins.base_snmp_plugin against snmpsimd: the run sets up configuration and connection
# through the factory (ours when the original's plugins tree is absent), then get_results().
import logging
import unittest

from snmp_simulator import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, SnmpSim, free_udp_port

from yahoo_panoptes.framework.plugins import base_snmp_plugin
from yahoo_panoptes.framework.plugins.base_snmp_plugin import (PanoptesPluginConfigurationError,
                                                               PanoptesPluginRuntimeError, PanoptesSNMPBaseEnrichmentPlugin,
                                                               PanoptesSNMPBasePlugin)
from yahoo_panoptes.framework.plugins.context import PanoptesPluginWithEnrichmentContext
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.utilities.snmp.connection import PanoptesSNMPV2Connection, PanoptesSNMPV3Connection
from yahoo_panoptes.framework.utilities.snmp.exceptions import PanoptesSNMPTimeoutException

sim = SnmpSim()


def setUpModule():
    sim.start()


def tearDownModule():
    sim.stop()


class Secrets(object):
    def __init__(self, values):
        self.values = values

    def get_by_site(self, name, site):
        return self.values.get('{}:{}'.format(name, site))


class SysName(PanoptesSNMPBasePlugin):
    def get_results(self):
        return [self.snmp_connection.get('.1.3.6.1.2.1.1.5.0').value]


class SysNameEnrichment(PanoptesSNMPBaseEnrichmentPlugin, SysName):
    pass


def context(snmp=None, secrets=None, port=None, endpoint='127.0.0.1', metadata=None):
    config = {'Core': {'name': 'Test', 'module': 'test'},
              'main': {'execute_frequency': '60', 'enrichment_ttl': '300', 'resource_filter': 'resource_class = "n"'},
              'snmp': dict(snmp or {})}
    resource = PanoptesResource(resource_site='dc1', resource_class='network', resource_subclass='s',
                                resource_type='t', resource_id='r1', resource_endpoint=endpoint, resource_plugin='p')
    for key, value in (metadata or {}).items():
        resource.add_metadata(key, value)
    site_snmp = {'timeout': 1, 'retries': 1, 'port': port or sim.port, 'community': 'nothing-here'}
    return PanoptesPluginWithEnrichmentContext(
        logger=logging.getLogger('test'), config=config, data=resource, kv=None,
        secrets=secrets or Secrets({'snmp_community_string:dc1': 'switch48'}), sites=['dc1'], snmp=site_snmp,
        x509={})


class TestBaseSnmpPlugin(unittest.TestCase):
    def test_a_run_polls_through_our_factory_with_the_site_secret_community(self):
        self.assertIs(base_snmp_plugin.PanoptesSNMPConnectionFactory,
                      base_snmp_plugin._our_factory.PanoptesSNMPConnectionFactory)
        plugin = SysName()
        ctx = context()
        self.assertEqual(plugin.run(ctx), ['switch48.lab'])
        self.assertIsInstance(plugin.snmp_connection, PanoptesSNMPV2Connection)
        self.assertEqual(plugin.snmp_connection.community, 'switch48')
        self.assertEqual((plugin.host, plugin.execute_frequency, plugin.resource), ('127.0.0.1', 60, ctx.data))
        self.assertEqual((plugin.snmp_connection.timeout, plugin.snmp_connection.retries), (1, 1))

    def test_the_plugin_files_community_and_port_win(self):
        plugin = SysName()
        self.assertEqual(plugin.run(context(snmp={'community': 'juniper_mx', 'port': str(sim.port)},
                                            port=free_udp_port())), ['mx.lab'])

    def test_snmpv3_from_the_plugin_files_snmp_section_and_the_secrets(self):
        secrets = Secrets({'snmp_v3_auth_password:dc1': V3_AUTH_KEY, 'snmp_v3_privacy_password:dc1': V3_PRIV_KEY})
        plugin = SysName()
        ctx = context(snmp={'version': '3', 'v3_username': V3_USER, 'v3_context': 'cisco_ios'}, secrets=secrets)
        self.assertEqual(plugin.run(ctx), ['cisco.lab'])
        self.assertIsInstance(plugin.snmp_connection, PanoptesSNMPV3Connection)

    def test_a_silent_device_raises_a_timeout_naming_it(self):
        port = free_udp_port()
        with self.assertRaises(PanoptesSNMPTimeoutException) as caught:
            SysName().run(context(port=port))
        self.assertIn('127.0.0.1:{}'.format(port), str(caught.exception))

    def test_a_bad_snmp_value_is_a_configuration_error(self):
        with self.assertRaises(PanoptesPluginConfigurationError) as caught:
            SysName().run(context(snmp={'timeout': '0'}))
        self.assertIn('timeout', str(caught.exception))

    def test_a_factory_that_is_not_one_is_a_runtime_error(self):
        with self.assertRaises(PanoptesPluginRuntimeError):
            SysName().run(context(snmp={'connection_factory_module': 'logging', 'connection_factory_class': 'Logger'}))
        with self.assertRaises(PanoptesPluginRuntimeError):
            SysName().run(context(snmp={'connection_factory_module': 'no.such.module'}))

    def test_a_proxied_resource_is_refused_by_our_factory(self):
        with self.assertRaises(PanoptesPluginRuntimeError) as caught:
            SysName().run(context(metadata={'snmp_proxy_hosts': 'proxy:4443'}))
        self.assertIn('snmp_proxy_hosts', str(caught.exception))

    def test_the_enrichment_base_reads_enrichment_ttl(self):
        plugin = SysNameEnrichment()
        self.assertEqual(plugin.run(context()), ['switch48.lab'])
        self.assertEqual(plugin.enrichment_ttl, 300)

    def test_the_base_alone_returns_nothing(self):
        self.assertIsNone(PanoptesSNMPBasePlugin().run(context()))


if __name__ == '__main__':
    unittest.main()
