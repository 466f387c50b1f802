# yahoo_panoptes.discovery.panoptes_discovery_plugin: the base class of discovery plugins.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.plugins.panoptes_base_plugin import PanoptesBasePlugin


class PanoptesDiscoveryPluginError(PanoptesBaseException):
    pass


class PanoptesDiscoveryPlugin(PanoptesBasePlugin):
    """run(context) returns a PanoptesResourceSet."""
