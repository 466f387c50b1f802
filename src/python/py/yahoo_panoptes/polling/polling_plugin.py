# yahoo_panoptes.polling.polling_plugin: the base class of polling plugins and their errors.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.metrics import PanoptesMetricSet
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.plugins.panoptes_base_plugin import (PanoptesBasePlugin,
                                                                   PanoptesPluginConfigurationError)


class PanoptesPollingPluginError(PanoptesBaseException):
    pass


class PanoptesPollingPluginConfigurationError(PanoptesPluginConfigurationError):
    pass


class PanoptesPollingPlugin(PanoptesBasePlugin):
    """run(context) returns a PanoptesMetricsGroupSet."""
