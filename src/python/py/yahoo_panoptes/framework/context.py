# yahoo_panoptes.framework.context: the original's process-wide PanoptesContext (Redis, Kafka,
# ZooKeeper clients) has no counterpart here: the daemons own those connections. Plugins that name
# PanoptesContext get the plugin context class, which holds what a plugin may use.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException
from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext as PanoptesContext


class PanoptesContextError(PanoptesBaseException):
    pass


class PanoptesContextValidators(object):
    @classmethod
    def valid_panoptes_context(cls, panoptes_context):
        return bool(panoptes_context) and isinstance(panoptes_context, PanoptesContext)
