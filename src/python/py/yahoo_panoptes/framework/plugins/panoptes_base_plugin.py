# yahoo_panoptes.framework.plugins.panoptes_base_plugin: the base of the three plugin kinds and the
# plugin errors. A plugin class derives from exactly one kind base (PanoptesDiscoveryPlugin,
# PanoptesEnrichmentPlugin, PanoptesPollingPlugin) and implements run(self, context). The host
# instantiates it once, with no arguments.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.validators import PanoptesValidators
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext


class PanoptesPluginConfigurationError(PanoptesBaseException):
    """A plugin's configuration is unusable."""


class PanoptesPluginRuntimeError(PanoptesBaseException):
    """A plugin (or a service it called, such as context.kv) failed while running."""


class PanoptesBasePlugin(object):
    def __init__(self, *args, **kwargs):
        pass

    def run(self, context):
        raise NotImplementedError('%s does not implement run(self, context)' % type(self).__name__)
