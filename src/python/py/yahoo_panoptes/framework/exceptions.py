# yahoo_panoptes.framework.exceptions: the base of every Panoptes exception. Each other exception
# lives in the module where the original Panoptes defines it (resources, metrics, enrichment,
# plugins.panoptes_base_plugin, polling.polling_plugin, ...); `panoptes` re-exports them all.


class PanoptesBaseException(Exception):
    """Base of every Panoptes exception."""
