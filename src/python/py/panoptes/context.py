# The context passed to run(context) (SPEC 8). One per run; built by the host.
import logging


class PanoptesPluginContext(object):
    # The host makes each run's context with __new__ and sets these slots itself (host.cpp,
    # MakeContext): __init__ must do nothing but store its arguments.
    __slots__ = ('logger', 'config', 'data', 'kv', 'secrets', 'sites', 'enrichment')

    def __init__(self, logger, config, data, kv, secrets, sites, enrichment):
        self.logger = logger  # logging.Logger; records reach the daemon's log, tagged
        self.config = config  # {section: {key: str}} of the plugin file
        self.data = data  # the PanoptesResource of the task; None for discovery
        self.kv = kv  # get, set(key, value, expire=None), getset, delete, ttl, find_keys, set_add, set_members
        self.secrets = secrets  # get, get_by_site(name, site)
        self.sites = sites  # list of site names
        self.enrichment = enrichment  # PanoptesEnrichmentCache (polling, enrichment) or None

    # Accessors of the original's PanoptesContext, for plugins that call them.
    def get_kv_store(self, *args, **kwargs):
        return self.kv


class _ForwardHandler(logging.Handler):
    """Forwards records to the host (spdlog), which adds the run's tags."""

    def __init__(self, sink, plugin_name):
        logging.Handler.__init__(self)
        self._sink = sink
        self._plugin = plugin_name

    def emit(self, record):
        try:
            self._sink.log(record.levelno, self._plugin, self.format(record))
        except Exception:
            self.handleError(record)


def make_logger(name, sink, plugin_name, level):
    # A standalone Logger (not in logging's registry): one per plugin file, dropped with it.
    logger = logging.Logger(name, level)
    logger.propagate = False
    logger.addHandler(_ForwardHandler(sink, plugin_name))
    return logger
