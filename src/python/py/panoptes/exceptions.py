# Exception types of the Panoptes plugin API (SPEC 8), with the original Panoptes' names.


class PanoptesBaseException(Exception):
    """Base of every Panoptes exception."""


class PanoptesPluginConfigurationError(PanoptesBaseException):
    """A plugin's configuration is unusable."""


class PanoptesPluginRuntimeError(PanoptesBaseException):
    """A plugin (or a service it called, such as context.kv) failed while running."""


class PanoptesDiscoveryPluginError(PanoptesBaseException):
    pass


class PanoptesEnrichmentPluginError(PanoptesBaseException):
    pass


class PanoptesPollingPluginError(PanoptesBaseException):
    pass


class PanoptesPollingPluginConfigurationError(PanoptesPluginConfigurationError):
    pass


class PanoptesResourceError(PanoptesBaseException):
    pass


class PanoptesMetricsException(PanoptesBaseException):
    pass


class PanoptesEnrichmentException(PanoptesBaseException):
    pass


class PanoptesEnrichmentCacheError(PanoptesBaseException):
    pass
