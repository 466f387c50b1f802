# yahoo_panoptes.enrichment.enrichment_plugin: the base class of enrichment plugins and their errors.
# As the original, the errors derive from the polling plugin errors. The plugin class does not derive
# from PanoptesPollingPlugin (the original's does): here the kind base decides the kind of a plugin.
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.plugins.panoptes_base_plugin import PanoptesBasePlugin
from yahoo_panoptes.polling.polling_plugin import (PanoptesPollingPluginError,
                                                   PanoptesPollingPluginConfigurationError)


class PanoptesEnrichmentPluginError(PanoptesPollingPluginError):
    pass


class PanoptesEnrichmentPluginConfigurationError(PanoptesPollingPluginConfigurationError):
    pass


class PanoptesEnrichmentPlugin(PanoptesBasePlugin):
    """run(context) returns a PanoptesEnrichmentGroupSet or a PanoptesEnrichmentMultiGroupSet."""
