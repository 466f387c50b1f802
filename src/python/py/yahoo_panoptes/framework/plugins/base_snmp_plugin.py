# Base classes of the original's SNMP plugins: run(context) parses the plugin's SNMP configuration,
# opens the connection through the configured factory and calls get_results(), which subclasses
# implement (self.snmp_connection, self.resource, self.enrichment, ... are set by then).
import time
from importlib import import_module

from yahoo_panoptes.framework.plugins.panoptes_base_plugin import (PanoptesBasePlugin,  # noqa: F401
                                                                   PanoptesPluginConfigurationError,
                                                                   PanoptesPluginRuntimeError)
from yahoo_panoptes.framework.utilities.snmp import factory as _our_factory
from yahoo_panoptes.framework.utilities.snmp.connection import PanoptesSNMPPluginConfiguration

ORIGINAL_FACTORY_MODULE = 'yahoo_panoptes.plugins.helpers.snmp_connections'
_ORIGINAL_FACTORY_PACKAGES = ('yahoo_panoptes.plugins', 'yahoo_panoptes.plugins.helpers', ORIGINAL_FACTORY_MODULE)


def _original_absent(error):
    """True when `error` says the original's factory module (or its package) is not installed, as
    opposed to an error inside it, which must surface."""
    return isinstance(error, ModuleNotFoundError) and error.name in _ORIGINAL_FACTORY_PACKAGES


try:  # the original's factory when its plugins tree is installed ([python] path, plugin dirs)
    from yahoo_panoptes.plugins.helpers.snmp_connections import PanoptesSNMPConnectionFactory
except ModuleNotFoundError as e:
    if not _original_absent(e):
        raise
    PanoptesSNMPConnectionFactory = _our_factory.PanoptesSNMPConnectionFactory


def _factory_class(module_name, class_name):
    """The configured factory class. The original's module name falls back to ours when the
    original's plugins tree is not installed."""
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as e:
        if module_name != ORIGINAL_FACTORY_MODULE or not _original_absent(e):
            raise
        module = _our_factory
    return getattr(module, class_name)


class PanoptesSNMPBasePlugin(PanoptesBasePlugin):
    def __init__(self):
        super(PanoptesSNMPBasePlugin, self).__init__()
        self._plugin_context = None
        self._plugin_config = None
        self._logger = None
        self._snmp_configuration = None
        self._snmp_connection = None
        self._execute_frequency = None
        self._resource = None
        self._enrichment = None
        self._host = None

    plugin_context = property(lambda self: self._plugin_context)
    plugin_config = property(lambda self: self._plugin_config)
    logger = property(lambda self: self._logger)
    resource = property(lambda self: self._resource)
    enrichment = property(lambda self: self._enrichment)
    execute_frequency = property(lambda self: self._execute_frequency)
    host = property(lambda self: self._host)
    snmp_configuration = property(lambda self: self._snmp_configuration)
    snmp_connection = property(lambda self: self._snmp_connection)

    def _get_snmp_connection(self):
        cls = _factory_class(self.snmp_configuration.connection_factory_module,
                             self.snmp_configuration.connection_factory_class)
        bases = (PanoptesSNMPConnectionFactory, _our_factory.PanoptesSNMPConnectionFactory)
        if not (isinstance(cls, type) and issubclass(cls, bases)):
            raise AssertionError('SNMP connection class must be a subclass of PanoptesSNMPConnectionFactory')
        self._snmp_connection = cls.get_snmp_connection(
            plugin_context=self._plugin_context, resource=self._plugin_context.data,
            timeout=self._snmp_configuration.timeout, retries=self._snmp_configuration.retries,
            port=self._snmp_configuration.port)

    def get_results(self):
        return None

    def run(self, context):
        self._plugin_context = context
        self._plugin_config = context.config
        self._logger = context.logger
        self._execute_frequency = int(self._plugin_config['main']['execute_frequency'])
        self._resource = context.data
        self._enrichment = context.enrichment
        self._host = self._resource.resource_endpoint
        try:
            self._snmp_configuration = PanoptesSNMPPluginConfiguration(self._plugin_context)
        except Exception as e:
            raise PanoptesPluginConfigurationError('Error parsing SNMP configuration: {}'.format(repr(e)))
        try:
            self._get_snmp_connection()
        except Exception as e:
            raise PanoptesPluginRuntimeError('Error creating SNMP connection: {}'.format(repr(e)))
        start = time.time()
        self.logger.info('Going to poll device "{}:{}" for metrics'.format(self._host, self.snmp_configuration.port))
        results = self.get_results()
        if results:
            self.logger.info('Done polling metrics for device "{}" in {:.2f} seconds, {} metrics groups'.format(
                self._host, time.time() - start, len(results)))
        else:
            self.logger.warning('Error polling metrics for device {}'.format(self._host))
        return results


class PanoptesSNMPBaseEnrichmentPlugin(PanoptesSNMPBasePlugin):
    def __init__(self):
        super(PanoptesSNMPBaseEnrichmentPlugin, self).__init__()
        self._enrichment_ttl = None

    enrichment_ttl = property(lambda self: self._enrichment_ttl)

    def run(self, context):
        self._enrichment_ttl = int(context.config['main']['enrichment_ttl'])
        return super(PanoptesSNMPBaseEnrichmentPlugin, self).run(context)
