# PanoptesSNMPPluginConfiguration: a plugin's [snmp]/[x509] over the site's, the community order
# (plugin file, then the site's secret, then the site's default) and bad values, as the original.
import logging
import unittest

from yahoo_panoptes.framework.plugins.context import PanoptesPluginWithEnrichmentContext
from yahoo_panoptes.framework.resources import PanoptesResource
from yahoo_panoptes.framework.utilities.snmp.connection import PanoptesSNMPPluginConfiguration
from yahoo_panoptes.framework.utilities.snmp.exceptions import PanoptesSNMPException

SITE_SNMP = {'connection_factory_module': 'yahoo_panoptes.plugins.helpers.snmp_connections',
             'connection_factory_class': 'PanoptesSNMPConnectionFactory', 'community': 'public', 'timeout': 5,
             'retries': 1, 'non_repeaters': 0, 'max_repetitions': 25, 'port': 10161, 'proxy_port': 10161,
             'community_string_key': 'snmp_community_string'}
SITE_X509 = {'x509_secured_requests': 0, 'x509_cert_location': '/home/panoptes/x509/certs',
             'x509_cert_filename': 'panoptes.pem', 'x509_key_location': '/home/panoptes/x509/keys',
             'x509_key_filename': 'panoptes.key'}


class Secrets(object):
    """The context's secrets as the host gives them: get_by_site(name, site)."""

    def __init__(self, values=None, error=None):
        self.values, self.error, self.asked = values or {}, error, []

    def get_by_site(self, name, site):
        self.asked.append((name, site))
        if self.error:
            raise self.error
        return self.values.get('{}:{}'.format(name, site))


def context(snmp=None, x509=None, secrets=None, site_snmp=SITE_SNMP, site_x509=SITE_X509):
    config = {'Core': {'name': 'Test Plugin', 'module': 'test_plugin'},
              'main': {'execute_frequency': '60', 'resource_filter': 'resource_class = "network"'}}
    if snmp is not None:
        config['snmp'] = snmp
    if x509 is not None:
        config['x509'] = x509
    resource = PanoptesResource(resource_site='test_site', resource_class='network', resource_subclass='s',
                                resource_type='t', resource_id='r1', resource_endpoint='127.0.0.1',
                                resource_plugin='p')
    return PanoptesPluginWithEnrichmentContext(logger=logging.getLogger('test'), config=config, data=resource,
                                               kv=None, secrets=secrets or Secrets(), sites=['test_site'],
                                               snmp=dict(site_snmp), x509=dict(site_x509))


class TestSnmpConfiguration(unittest.TestCase):
    def test_site_defaults_when_the_plugin_sets_nothing(self):
        c = PanoptesSNMPPluginConfiguration(context())
        self.assertEqual((c.port, c.proxy_port, c.timeout, c.retries, c.non_repeaters, c.max_repetitions),
                         (10161, 10161, 5, 1, 0, 25))
        self.assertEqual((c.connection_factory_module, c.connection_factory_class),
                         ('yahoo_panoptes.plugins.helpers.snmp_connections', 'PanoptesSNMPConnectionFactory'))
        self.assertEqual((c.community, c.community_string_key), ('public', 'snmp_community_string'))

    def test_the_original_defaults_fill_keys_the_site_lacks(self):
        c = PanoptesSNMPPluginConfiguration(context(site_snmp={}, site_x509={}))
        self.assertEqual((c.port, c.timeout, c.max_repetitions, c.community), (161, 5, 25, 'public'))
        self.assertEqual(c.x509_cert_file, '/home/panoptes/x509/certs/panoptes.pem')

    def test_the_site_secret_beats_the_site_default_community(self):
        secrets = Secrets({'snmp_community_string:test_site': 'site-secret'})
        self.assertEqual(PanoptesSNMPPluginConfiguration(context(secrets=secrets)).community, 'site-secret')
        self.assertEqual(secrets.asked, [('snmp_community_string', 'test_site')])

    def test_the_plugin_community_beats_the_secret_and_is_not_looked_up(self):
        secrets = Secrets({'snmp_community_string:test_site': 'site-secret'})
        c = PanoptesSNMPPluginConfiguration(context(snmp={'community': 'plugin-community'}, secrets=secrets))
        self.assertEqual(c.community, 'plugin-community')
        self.assertEqual(secrets.asked, [])

    def test_a_failing_secrets_store_is_an_snmp_error_naming_site_and_key(self):
        with self.assertRaises(PanoptesSNMPException) as caught:
            PanoptesSNMPPluginConfiguration(context(secrets=Secrets(error=RuntimeError('down'))))
        self.assertIn('test_site', str(caught.exception))
        self.assertIn('snmp_community_string', str(caught.exception))

    def test_plugin_overrides_as_strings_from_the_plugin_file(self):
        c = PanoptesSNMPPluginConfiguration(context(snmp={
            'connection_factory_module': 'test_module', 'connection_factory_class': 'test_class', 'port': '162',
            'proxy_port': '10162', 'timeout': '10', 'retries': '2', 'non_repeaters': '1', 'max_repetitions': '10',
            'community_string_key': 'test_key'}))
        self.assertEqual((c.port, c.proxy_port, c.timeout, c.retries, c.non_repeaters, c.max_repetitions),
                         (162, 10162, 10, 2, 1, 10))
        self.assertEqual((c.connection_factory_module, c.connection_factory_class, c.community_string_key),
                         ('test_module', 'test_class', 'test_key'))

    def test_bad_snmp_values(self):
        assertion = [('connection_factory_module', 0), ('connection_factory_module', ''),
                     ('connection_factory_class', 0), ('connection_factory_class', ''), ('community', 0),
                     ('community', ''), ('community_string_key', 0), ('community_string_key', ''), ('port', -1),
                     ('port', 65536), ('proxy_port', -1), ('proxy_port', 65536), ('timeout', 0), ('retries', 0),
                     ('non_repeaters', -1), ('max_repetitions', 0)]
        for key, value in assertion:
            with self.assertRaises(AssertionError, msg=(key, value)):
                PanoptesSNMPPluginConfiguration(context(snmp={key: value}))
        for key in ('port', 'proxy_port', 'timeout', 'retries', 'non_repeaters', 'max_repetitions'):
            with self.assertRaises(ValueError, msg=key):
                PanoptesSNMPPluginConfiguration(context(snmp={key: ''}))

    def test_x509_defaults_and_overrides(self):
        c = PanoptesSNMPPluginConfiguration(context())
        self.assertEqual(c.x509_secure_connection, 0)
        self.assertEqual(c.x509_cert_file, '/home/panoptes/x509/certs/panoptes.pem')
        self.assertEqual(c.x509_key_file, '/home/panoptes/x509/keys/panoptes.key')
        c = PanoptesSNMPPluginConfiguration(context(x509={'x509_secured_requests': '2', 'x509_key_location': '/k'}))
        self.assertEqual((c.x509_secure_connection, c.x509_key_file), (2, '/k/panoptes.key'))

    def test_bad_x509_values(self):
        for key, value in (('x509_secured_requests', 5), ('x509_secured_requests', -1), ('x509_cert_location', ''),
                           ('x509_cert_location', 0), ('x509_cert_filename', ''), ('x509_key_location', 0),
                           ('x509_key_filename', '')):
            with self.assertRaises(AssertionError, msg=(key, value)):
                PanoptesSNMPPluginConfiguration(context(x509={key: value}))

    def test_not_a_plugin_context(self):
        with self.assertRaises(AssertionError):
            PanoptesSNMPPluginConfiguration({'config': {}})


if __name__ == '__main__':
    unittest.main()
