# The plugin base classes (SPEC 8). A plugin class derives from exactly one of the three kind bases
# and implements run(self, context). The host instantiates it once, with no arguments.
from panoptes.exceptions import PanoptesPluginRuntimeError


class PanoptesBasePlugin(object):
    def __init__(self, *args, **kwargs):
        pass

    def run(self, context):
        raise NotImplementedError('%s does not implement run(self, context)' % type(self).__name__)


class PanoptesDiscoveryPlugin(PanoptesBasePlugin):
    """run() returns a PanoptesResourceSet."""


class PanoptesEnrichmentPlugin(PanoptesBasePlugin):
    """run() returns a PanoptesEnrichmentGroupSet or a PanoptesEnrichmentMultiGroupSet."""


class PanoptesPollingPlugin(PanoptesBasePlugin):
    """run() returns a PanoptesMetricsGroupSet."""


__all__ = ['PanoptesBasePlugin', 'PanoptesDiscoveryPlugin', 'PanoptesEnrichmentPlugin', 'PanoptesPollingPlugin',
           'PanoptesPluginRuntimeError']
