# Our SNMP connection factory: what PanoptesSNMPBasePlugin uses when the configured factory module is
# the original's (yahoo_panoptes.plugins.helpers.snmp_connections) and that tree is not installed.
# It opens a direct connection to the resource's endpoint: SNMPv2c, or SNMPv3 (USM) when the
# plugin's [snmp] `version` (else the site's) is 3. SNMP proxies (the original's SteamRoller agent,
# chosen by resource metadata snmp_proxy_hosts) are not supported here: such a resource is an error.
from yahoo_panoptes.framework.utilities.snmp._checks import require, valid_nonzero_integer, valid_port
from yahoo_panoptes.framework.utilities.snmp.connection import (PanoptesSNMPException, PanoptesSNMPPluginConfiguration,
                                                                PanoptesSNMPV2Connection, PanoptesSNMPV3Connection)

# SNMPv3 keys read from the plugin file's [snmp] (else the site's); the passwords come from the
# secrets (get_by_site with the resource's site) under the names given by the *_key keys.
V3_KEYS = {
    'v3_username': '', 'v3_security_level': 'authPriv', 'v3_auth_protocol': 'SHA', 'v3_privacy_protocol': 'AES',
    'v3_context': '', 'v3_auth_password_key': 'snmp_v3_auth_password',
    'v3_privacy_password_key': 'snmp_v3_privacy_password',
}


class PanoptesSNMPConnectionFactory(object):
    @staticmethod
    def get_snmp_connection(plugin_context, resource, timeout=None, retries=None, port=None,
                            x509_secure_connection=None, x509_key_file=None, x509_cert_file=None,
                            community_suffix=None):
        require(timeout is None or valid_nonzero_integer(timeout), 'timeout must be an integer greater than zero')
        require(retries is None or valid_nonzero_integer(retries), 'retries must be an integer greater than zero')
        require(port is None or valid_port(port), 'port must be an integer between 1 and 65535')
        if 'snmp_proxy_hosts' in resource.resource_metadata:
            raise PanoptesSNMPException('resource "{}" wants an SNMP proxy (snmp_proxy_hosts), which this factory '
                                        'does not support'.format(resource.resource_id))
        configuration = PanoptesSNMPPluginConfiguration(plugin_context)
        timeout = timeout or configuration.timeout
        retries = configuration.retries if retries is None else retries
        port = port or configuration.port
        host = resource.resource_endpoint
        settings = dict(plugin_context.snmp or {}, **plugin_context.config.get('snmp', {}))
        if str(settings.get('version', '2c')) == '3':
            return PanoptesSNMPConnectionFactory._v3(plugin_context, resource, settings, host, port, timeout, retries)
        community = configuration.community
        if community_suffix:
            community = '{}@{}'.format(community, community_suffix)
        plugin_context.logger.info('Using SNMPv2 connection for %s' % host)
        return PanoptesSNMPV2Connection(host=host, port=port, timeout=timeout, retries=retries, community=community)

    @staticmethod
    def _v3(plugin_context, resource, settings, host, port, timeout, retries):
        v3 = {key: settings.get(key, default) for key, default in V3_KEYS.items()}

        def secret(key):
            return plugin_context.secrets.get_by_site(v3[key], resource.resource_site) or ''

        plugin_context.logger.info('Using SNMPv3 connection for %s (user %s)' % (host, v3['v3_username']))
        return PanoptesSNMPV3Connection(
            host=host, port=port, timeout=timeout, retries=retries, username=v3['v3_username'],
            security_level=v3['v3_security_level'], auth_protocol=v3['v3_auth_protocol'],
            auth_password=secret('v3_auth_password_key'), privacy_protocol=v3['v3_privacy_protocol'],
            privacy_password=secret('v3_privacy_password_key'), context=v3['v3_context'])
